-- Configuration of the palimpsest language server for vim.lsp.config / vim.lsp.enable.
-- Options given to require('palimpsest').setup{} are folded in.
return require('palimpsest').lsp_config()
