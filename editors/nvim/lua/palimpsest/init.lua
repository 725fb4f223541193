-- Palimpsest for Neovim (0.11+): version dumps through `palimpsest lsp`.
-- plugin/palimpsest.lua wires this module up; users call require('palimpsest').setup{...}
-- only to change the defaults. See :help palimpsest.

local M = {}

local api = vim.api
local SCHEME = 'palimpsest://'
local NAME = 'palimpsest'

local defaults = {
  -- Command that starts the server. The first element may be a path.
  cmd = { 'palimpsest', 'lsp' },
  -- Buffer-local keymaps in version dumps; set one to false to leave it unmapped.
  keymaps = {
    next_change = ']c',
    previous_change = '[c',
  },
  -- Refresh code lenses on attach, BufEnter, InsertLeave and new diagnostics.
  codelens = true,
  -- Show the server's inlay hints in dumps.
  inlay_hints = true,
  -- Server settings, sent as initializationOptions and in workspace/didChangeConfiguration
  -- (under "palimpsest"); a missing key keeps the server's default. See :help palimpsest-setup.
  settings = vim.empty_dict(),
}

M.config = vim.deepcopy(defaults)

local function notify(message, level)
  vim.notify('palimpsest: ' .. message, level or vim.log.levels.INFO)
end

--- The LSP configuration handed to vim.lsp.config (lsp/palimpsest.lua returns it too).
function M.lsp_config()
  local settings = { palimpsest = vim.deepcopy(M.config.settings) }
  return {
    cmd = vim.deepcopy(M.config.cmd),
    filetypes = { 'versiondump' },
    -- Dumps are single files: one server for all of them, whatever the folder.
    root_dir = function(_, on_dir)
      on_dir(vim.fn.getcwd())
    end,
    init_options = { palimpsest = vim.deepcopy(M.config.settings) },
    settings = settings,
  }
end

--- Changes the defaults. Safe to call more than once, before or after a dump is opened.
--- @param opts table|nil
function M.setup(opts)
  opts = opts or {}
  if type(opts.cmd) == 'string' then
    opts.cmd = { opts.cmd, 'lsp' }
  end
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts)
  if opts.cmd then
    M.config.cmd = opts.cmd
  end
  vim.lsp.config(NAME, M.lsp_config())
  -- Running servers get the new settings; attached buffers the new keymaps.
  for _, client in ipairs(vim.lsp.get_clients({ name = NAME })) do
    client.settings = { palimpsest = vim.deepcopy(M.config.settings) }
    client:notify('workspace/didChangeConfiguration', { settings = client.settings })
  end
  for _, buf in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'versiondump' then
      M.set_keymaps(buf)
    end
  end
end

--- The palimpsest client attached to a buffer (or any running one).
--- @param bufnr integer|nil
--- @return vim.lsp.Client|nil
function M.client(bufnr)
  local clients = vim.lsp.get_clients({ name = NAME, bufnr = bufnr })
  if #clients == 0 and bufnr then
    clients = vim.lsp.get_clients({ name = NAME })
  end
  return clients[1]
end

-- ---------------------------------------------------------------------------
-- URIs of version buffers: palimpsest://version/N/<file name>?dump=<percent-encoded uri>

local function percent_encode(s)
  return (s:gsub('[^%w%-%._~]', function(c)
    return string.format('%%%02X', string.byte(c))
  end))
end

local function percent_decode(s)
  return (s:gsub('%%(%x%x)', function(hex)
    return string.char(tonumber(hex, 16))
  end))
end

--- @param dump_uri string
--- @param version integer
function M.version_name(dump_uri, version)
  local file = vim.fs.basename(vim.uri_to_fname(dump_uri))
  if file == nil or file == '' then
    file = 'dump'
  end
  return string.format('%sversion/%d/%s?dump=%s', SCHEME, version, file, percent_encode(dump_uri))
end

--- @param name string
--- @return string|nil dump_uri, integer|nil version
function M.parse_version_name(name)
  local version, query = name:match('^palimpsest://version/(%d+)/[^?]*%?dump=(.*)$')
  if not version then
    return nil, nil
  end
  return percent_decode(query), tonumber(version)
end

--- Finds (loading it if needed) the dump buffer for a URI and a client attached to it.
--- @return integer|nil bufnr, vim.lsp.Client|nil client
local function dump_buffer(dump_uri)
  local buf = vim.uri_to_bufnr(dump_uri)
  if not api.nvim_buf_is_loaded(buf) then
    vim.fn.bufload(buf)
    if vim.bo[buf].filetype == '' then
      local ft = vim.filetype.match({ buf = buf })
      if ft then
        vim.bo[buf].filetype = ft
      end
    end
  end
  local client = M.client(buf)
  if not client or not vim.lsp.buf_is_attached(buf, client.id) then
    vim.wait(5000, function()
      client = vim.lsp.get_clients({ name = NAME, bufnr = buf })[1]
      return client ~= nil
    end, 20)
  end
  return buf, client
end

--- Asks the server for one version's text.
--- @return table|nil result, string|nil error
function M.version_text(dump_uri, version)
  local buf, client = dump_buffer(dump_uri)
  if not client then
    return nil, 'no palimpsest language server is attached to ' .. dump_uri
  end
  local response = client:request_sync('palimpsest/versionText', {
    textDocument = { uri = dump_uri },
    version = version,
  }, 5000, buf)
  if not response then
    return nil, 'palimpsest/versionText timed out'
  end
  if response.err then
    return nil, response.err.message or vim.inspect(response.err)
  end
  if response.result == nil or response.result == vim.NIL then
    return nil, string.format('version %d is not in %s', version, dump_uri)
  end
  return response.result, nil
end

--- Asks the server for the summary of a dump buffer.
function M.summary(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    return nil, 'no palimpsest language server is attached'
  end
  local response = client:request_sync('palimpsest/summary', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  }, 5000, bufnr)
  if not response or response.err or response.result == vim.NIL then
    return nil, response and response.err and response.err.message or 'palimpsest/summary failed'
  end
  return response.result, nil
end

--- BufReadCmd for palimpsest:// buffers: fills the buffer with the version text.
function M.read_version_buffer(buf)
  local name = api.nvim_buf_get_name(buf)
  local dump_uri, version = M.parse_version_name(name)
  local lines
  if not dump_uri then
    lines = { 'palimpsest: not a version address: ' .. name }
  else
    local result, err = M.version_text(dump_uri, version)
    if result then
      lines = vim.split(result.text, '\n', { plain = true })
      if lines[#lines] == '' then
        table.remove(lines)
      end
      vim.b[buf].palimpsest_version = result.number
      vim.b[buf].palimpsest_dump = dump_uri
      vim.b[buf].palimpsest_paragraphs = result.paragraphs
    else
      lines = { 'palimpsest: ' .. tostring(err) }
      notify(tostring(err), vim.log.levels.ERROR)
    end
  end
  vim.bo[buf].modifiable = true
  vim.bo[buf].readonly = false
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].modified = false
  vim.bo[buf].modifiable = false
  vim.bo[buf].readonly = true
  vim.bo[buf].filetype = 'palimpsestversion'
end

-- ---------------------------------------------------------------------------
-- Commands

--- The dump URI for the current buffer (a dump, or a version buffer of one).
local function current_dump_uri(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  local name = api.nvim_buf_get_name(bufnr)
  if name:sub(1, #SCHEME) == SCHEME then
    return (M.parse_version_name(name))
  end
  if vim.bo[bufnr].filetype == 'versiondump' then
    return vim.uri_from_bufnr(bufnr)
  end
  return nil
end

local function edit(name)
  vim.cmd.edit(vim.fn.fnameescape(name))
end

--- Opens version N of a dump in a read-only buffer.
--- @param version integer
--- @param dump_uri string|nil defaults to the current buffer
--- @param split string|nil an Ex command run first ('vsplit', 'split', 'tabnew')
function M.open_version(version, dump_uri, split)
  dump_uri = dump_uri or current_dump_uri()
  if not dump_uri then
    notify('the current buffer is not a version dump', vim.log.levels.WARN)
    return
  end
  if split then
    vim.cmd(split)
  end
  edit(M.version_name(dump_uri, version))
end

--- Opens versions A and B side by side in diff mode, in a new tab page.
function M.compare(a, b, dump_uri)
  dump_uri = dump_uri or current_dump_uri()
  if not dump_uri then
    notify('the current buffer is not a version dump', vim.log.levels.WARN)
    return
  end
  if a == nil or b == nil then
    local buf = vim.uri_to_bufnr(dump_uri)
    local summary, err = M.summary(buf)
    if not summary then
      notify(tostring(err), vim.log.levels.ERROR)
      return
    end
    a, b = summary.versions[1], summary.versions[2]
  end
  vim.cmd('tab split')
  edit(M.version_name(dump_uri, a))
  vim.wo.wrap = true
  vim.cmd('diffthis')
  vim.cmd('rightbelow vsplit')
  edit(M.version_name(dump_uri, b))
  vim.wo.wrap = true
  vim.cmd('diffthis')
end

--- Moves the cursor to the next (direction 1) or previous (-1) changed passage.
--- Returns true when the cursor moved.
function M.goto_change(direction, count)
  count = math.max(count or 1, 1)
  local bufnr = api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    notify('no palimpsest language server is attached', vim.log.levels.WARN)
    return false
  end
  local command = direction < 0 and 'palimpsest.previousChange' or 'palimpsest.nextChange'
  local win = api.nvim_get_current_win()
  local target
  local position = vim.lsp.util.make_position_params(win, client.offset_encoding).position
  for _ = 1, count do
    local response = client:request_sync('workspace/executeCommand', {
      command = command,
      arguments = { { uri = vim.uri_from_bufnr(bufnr), position = position } },
    }, 2000, bufnr)
    local result = response and response.result
    if not result or result == vim.NIL or type(result.line) ~= 'number' then
      break
    end
    target = result
    position = { line = result.line, character = result.character or 0 }
  end
  if not target then
    api.nvim_echo({ { 'palimpsest: no changed passage ' .. (direction < 0 and 'before' or 'after') .. ' the cursor', 'WarningMsg' } }, false, {})
    return false
  end
  local line = api.nvim_buf_get_lines(bufnr, target.line, target.line + 1, false)[1] or ''
  local col = vim.str_byteindex(line, client.offset_encoding, math.min(target.character or 0, vim.str_utfindex(line, client.offset_encoding)), false)
  vim.cmd("normal! m'")
  api.nvim_win_set_cursor(win, { target.line + 1, col })
  return true
end

--- Shows the earlier wording of the passage on a line (0-based) through the hover.
function M.show_earlier_wording(dump_uri, line)
  local bufnr = dump_uri and vim.uri_to_bufnr(dump_uri) or api.nvim_get_current_buf()
  if api.nvim_get_current_buf() ~= bufnr then
    local win = vim.fn.bufwinid(bufnr)
    if win ~= -1 then
      api.nvim_set_current_win(win)
    else
      api.nvim_set_current_buf(bufnr)
    end
  end
  if line then
    api.nvim_win_set_cursor(0, { line + 1, 0 })
  end
  vim.lsp.buf.hover()
end

local function map_change(buf, lhs, direction)
  vim.keymap.set('n', lhs, function()
    if vim.wo.diff then
      -- Keep Vim's own ]c / [c (next/previous diff hunk) in diff mode.
      local builtin = direction > 0 and ']c' or '[c'
      vim.cmd('normal! ' .. vim.v.count1 .. builtin)
      return
    end
    M.goto_change(direction, vim.v.count1)
  end, {
    buffer = buf,
    silent = true,
    desc = direction > 0 and 'Palimpsest: next changed passage' or 'Palimpsest: previous changed passage',
  })
end

--- Sets the buffer-local keymaps configured in setup{}.
function M.set_keymaps(buf)
  local keymaps = M.config.keymaps or {}
  for key, direction in pairs({ next_change = 1, previous_change = -1 }) do
    local previous = vim.b[buf]['palimpsest_map_' .. key]
    if previous then
      pcall(vim.keymap.del, 'n', previous, { buffer = buf })
      vim.b[buf]['palimpsest_map_' .. key] = nil
    end
    local lhs = keymaps[key]
    if lhs then
      map_change(buf, lhs, direction)
      vim.b[buf]['palimpsest_map_' .. key] = lhs
    end
  end
end

--- Refreshes code lenses of a dump buffer, when the server offers them.
function M.refresh_codelens(buf)
  if not M.config.codelens then
    return
  end
  local client = M.client(buf)
  if client and vim.lsp.buf_is_attached(buf, client.id) and client:supports_method('textDocument/codeLens', buf) then
    vim.lsp.codelens.refresh({ bufnr = buf })
  end
end

--- Called from the LspAttach autocmd for the palimpsest client.
function M.on_attach(client, buf)
  M.set_keymaps(buf)
  if M.config.inlay_hints and client:supports_method('textDocument/inlayHint', buf) then
    vim.lsp.inlay_hint.enable(true, { bufnr = buf })
  end
  M.refresh_codelens(buf)
end

-- Client-side commands used by the server's code lenses.
M.lens_commands = {
  ['palimpsest.openVersion'] = function(command)
    local args = command.arguments or {}
    M.open_version(tonumber(args[2]) or 0, args[1], 'vsplit')
  end,
  ['palimpsest.compareVersions'] = function(command)
    local args = command.arguments or {}
    M.compare(tonumber(args[2]), tonumber(args[3]), args[1])
  end,
  ['palimpsest.showEarlierWording'] = function(command)
    local args = command.arguments or {}
    M.show_earlier_wording(args[1], tonumber(args[2]))
  end,
}

--- :Palimpsest {subcommand} ...
function M.command(opts)
  local args = opts.fargs
  local sub = args[1]
  if sub == 'version' then
    local n = tonumber(args[2])
    if not n then
      notify('usage: :Palimpsest version N', vim.log.levels.ERROR)
      return
    end
    local smods = opts.smods or {}
    local split
    if (smods.tab or -1) >= 0 then
      split = 'tab split'
    elseif smods.vertical or smods.horizontal or (smods.split or '') ~= '' then
      split = ((smods.split or '') .. ' ' .. (smods.vertical and 'vsplit' or 'split'))
    end
    M.open_version(n, nil, split)
  elseif sub == 'compare' then
    local a, b = tonumber(args[2]), tonumber(args[3])
    if (args[2] and not a) or (args[3] and not b) or (a and not b) then
      notify('usage: :Palimpsest compare [A B]', vim.log.levels.ERROR)
      return
    end
    M.compare(a, b)
  elseif sub == 'next' then
    M.goto_change(1, opts.count > 0 and opts.count or 1)
  elseif sub == 'previous' or sub == 'prev' then
    M.goto_change(-1, opts.count > 0 and opts.count or 1)
  elseif sub == 'summary' then
    local summary, err = M.summary()
    if not summary then
      notify(tostring(err), vim.log.levels.ERROR)
      return
    end
    local parts = {}
    for _, key in ipairs({ 'edited', 'rewritten', 'added', 'removed', 'moved', 'ambiguous' }) do
      if type(summary[key]) == 'number' and summary[key] > 0 then
        parts[#parts + 1] = summary[key] .. ' ' .. key
      end
    end
    local caption = (summary.caption and summary.caption ~= vim.NIL) and (' ' .. summary.caption) or ''
    local detail = type(summary.line) == 'string' and summary.line or table.concat(parts, ', ')
    print(string.format('v%d → v%d%s · %d changes%s', summary.versions[1], summary.versions[2], caption,
      summary.changes or 0, detail ~= '' and (' (' .. detail .. ')') or ''))
  elseif sub == 'lenses' then
    M.refresh_codelens(api.nvim_get_current_buf())
  else
    notify('usage: :Palimpsest version N | compare [A B] | next | previous | summary', vim.log.levels.ERROR)
  end
end

function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, '%s+', { trimempty = true })
  if #words <= 1 or (#words == 2 and arglead ~= '') then
    return vim.tbl_filter(function(s)
      return s:sub(1, #arglead) == arglead
    end, { 'version', 'compare', 'next', 'previous', 'summary', 'lenses' })
  end
  local summary = (words[2] == 'version' or words[2] == 'compare') and M.summary() or nil
  if summary then
    return vim.tbl_map(tostring, summary.versions)
  end
  return {}
end

return M
