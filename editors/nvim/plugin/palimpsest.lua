-- Palimpsest: read News Sniffer version dumps in Neovim 0.11+ through `palimpsest lsp`.
-- Works without configuration once `palimpsest` is on PATH; see :help palimpsest.
if vim.g.loaded_palimpsest then
  return
end
vim.g.loaded_palimpsest = true

if vim.fn.has('nvim-0.11') == 0 then
  vim.notify_once('palimpsest: Neovim 0.11 or newer is needed', vim.log.levels.WARN)
  return
end

local detect = require('palimpsest.detect')

-- Dumps saved as .txt are recognised by their content; other .txt files stay `text`.
vim.filetype.add({
  extension = { vdump = 'versiondump' },
  pattern = {
    ['.*%.txt'] = { detect.filetype, { priority = 10 } },
    ['.*%.TXT'] = { detect.filetype, { priority = 10 } },
  },
})

-- Semantic token colours: removed words like deleted diff text, added like added text.
local function link_highlights()
  local links = {
    PalimpsestRemovedWords = 'DiffDelete',
    PalimpsestAddedWords = 'DiffAdd',
    PalimpsestHeaderField = 'Identifier',
    ['@lsp.type.removedWords'] = 'PalimpsestRemovedWords',
    ['@lsp.type.addedWords'] = 'PalimpsestAddedWords',
    ['@lsp.type.headerField'] = 'PalimpsestHeaderField',
    ['@lsp.type.removedWords.versiondump'] = 'PalimpsestRemovedWords',
    ['@lsp.type.addedWords.versiondump'] = 'PalimpsestAddedWords',
    ['@lsp.type.headerField.versiondump'] = 'PalimpsestHeaderField',
  }
  for group, target in pairs(links) do
    vim.api.nvim_set_hl(0, group, { link = target, default = true })
  end
end
link_highlights()

local group = vim.api.nvim_create_augroup('palimpsest', { clear = true })

vim.api.nvim_create_autocmd('ColorScheme', { group = group, callback = link_highlights })

-- Read-only buffers holding one version: palimpsest://version/N/<file>?dump=<uri>
vim.api.nvim_create_autocmd('BufReadCmd', {
  group = group,
  pattern = 'palimpsest://*',
  callback = function(args)
    require('palimpsest').read_version_buffer(args.buf)
  end,
})

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'palimpsest' then
      require('palimpsest').on_attach(client, args.buf)
    end
  end,
})

vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'DiagnosticChanged' }, {
  group = group,
  callback = function(args)
    if vim.bo[args.buf].filetype == 'versiondump' then
      require('palimpsest').refresh_codelens(args.buf)
    end
  end,
})

-- Client-side commands behind the server's code lenses.
for name, handler in pairs(require('palimpsest').lens_commands) do
  vim.lsp.commands[name] = vim.lsp.commands[name] or handler
end

vim.api.nvim_create_user_command('Palimpsest', function(opts)
  require('palimpsest').command(opts)
end, {
  nargs = '+',
  count = true,
  desc = 'Palimpsest: version N | compare [A B] | next | previous | summary | lenses',
  complete = function(arglead, cmdline)
    return require('palimpsest').complete(arglead, cmdline)
  end,
})

if vim.g.palimpsest_no_lsp_enable ~= true then
  vim.lsp.enable('palimpsest')
end
