-- Paragraphs are single long lines: wrap them at word boundaries.
vim.cmd('setlocal wrap linebreak')
vim.b.undo_ftplugin = (vim.b.undo_ftplugin and (vim.b.undo_ftplugin .. ' | ') or '') .. 'setlocal wrap< linebreak<'
