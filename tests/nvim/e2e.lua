-- End-to-end checks of editors/nvim in a real Neovim (run by tests/nvim/run.sh).
-- Usage: nvim --headless --clean --cmd 'set rtp^=editors/nvim' -l e2e.lua SCENARIO FILE [ORACLE_DIR]
--   dump   FILE is a copy of the example dump; ORACLE_DIR holds v0.txt (palimpsest show
--          --version 0), old10.txt (earlier wording of line 10) and changes.txt (1-based
--          lines of the changed passages, one a line)
--   vdump  FILE is the example saved as .vdump
--   plain  FILE is a .txt that is not a dump
-- Prints one line per check and exits non-zero when one fails.

local scenario, file, oracle_dir = _G.arg[1], _G.arg[2], _G.arg[3]
local failures = 0
local passes = 0

local function say(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

local function check(name, ok, detail)
  if ok then
    passes = passes + 1
    say('ok   ' .. scenario .. ': ' .. name)
  else
    failures = failures + 1
    say('FAIL ' .. scenario .. ': ' .. name .. (detail and (' -- ' .. detail) or ''))
  end
  return ok
end

local function finish()
  io.stdout:write(string.format('#result %d %d\n', passes, failures))
  io.stdout:flush()
  if failures > 0 then
    vim.cmd('cquit 1')
  else
    vim.cmd('qall!')
  end
end

local function read_file(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('*a')
  f:close()
  return s
end

local function client_for(buf)
  return vim.lsp.get_clients({ name = 'palimpsest', bufnr = buf })[1]
end

local function floating_text()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      local buf = vim.api.nvim_win_get_buf(win)
      return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'), win
    end
  end
  return nil
end

-- Words only, so markdown markup (~~, **, _) in the hover does not matter.
local function words(s)
  local out = {}
  for w in s:gmatch('[%w’\128-\255]+') do
    out[#out + 1] = w
  end
  return table.concat(out, ' ')
end

local ok, err = pcall(function()
  if scenario == 'plain' then
    vim.cmd.edit(vim.fn.fnameescape(file))
    local buf = vim.api.nvim_get_current_buf()
    vim.wait(1500, function()
      return #vim.lsp.get_clients() > 0
    end, 20)
    check('plain .txt stays filetype text', vim.bo[buf].filetype == 'text', 'filetype=' .. vim.bo[buf].filetype)
    check('no language client attaches to it', #vim.lsp.get_clients({ bufnr = buf }) == 0
      and #vim.lsp.get_clients() == 0, vim.inspect(vim.tbl_map(function(c)
        return c.name
      end, vim.lsp.get_clients())))
    return
  end

  if scenario == 'settings' then
    -- Server settings from setup{} reach the server at start, and again on a later setup{}.
    require('palimpsest').setup({ settings = { hover = { format = 'plaintext' } } })
  end
  vim.cmd.edit(vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  if scenario == 'settings' then
    vim.wait(10000, function()
      return client_for(buf) ~= nil and client_for(buf).initialized
    end, 20)
    local function hover_kind()
      local r = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
        textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 9, character = 0 } }, 5000)
      for _, res in pairs(r or {}) do
        if res.result and res.result.contents then
          return res.result.contents.kind
        end
      end
    end
    local kind = hover_kind()
    check('setup{ settings } reach the server in initializationOptions', kind == 'plaintext', 'hover kind ' .. tostring(kind))
    require('palimpsest').setup({ settings = { hover = { format = 'markdown' } } })
    local changed = vim.wait(5000, function()
      return hover_kind() == 'markdown'
    end, 100)
    check('a later setup{ settings } reaches the server (didChangeConfiguration)', changed)
    return
  end
  check('filetype is versiondump', vim.bo[buf].filetype == 'versiondump', 'filetype=' .. vim.bo[buf].filetype)
  local attached = vim.wait(10000, function()
    return client_for(buf) ~= nil and client_for(buf).initialized
  end, 20)
  check('palimpsest client attaches', attached)
  if not attached then
    return
  end
  local got_diagnostics = vim.wait(10000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 20)
  check('diagnostics arrive', got_diagnostics, 'none after 10 s')
  if scenario == 'vdump' then
    return
  end

  -- Hover on line 10 (1-based) shows the earlier wording.
  local old10 = read_file(oracle_dir .. '/old10.txt'):gsub('%s+$', '')
  vim.api.nvim_win_set_cursor(0, { 10, 0 })
  vim.lsp.buf.hover()
  local text
  vim.wait(5000, function()
    text = floating_text()
    return text ~= nil and text ~= ''
  end, 20)
  check('hover on line 10 shows the earlier wording', text ~= nil and words(text):find(words(old10), 1, true) ~= nil,
    'hover was: ' .. tostring(text):sub(1, 300))
  -- Close the float.
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      vim.api.nvim_win_close(win, true)
    end
  end

  -- ]c goes to the next changed passage, [c back.
  local changes = {}
  for line in read_file(oracle_dir .. '/changes.txt'):gmatch('%d+') do
    changes[#changes + 1] = tonumber(line)
  end
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.api.nvim_feedkeys(']c', 'x', false)
  local row = vim.api.nvim_win_get_cursor(0)[1]
  check(']c moves to the first changed passage (line ' .. changes[1] .. ')', row == changes[1], 'cursor on line ' .. row)
  vim.api.nvim_feedkeys(']c', 'x', false)
  row = vim.api.nvim_win_get_cursor(0)[1]
  check(']c again moves to the second (line ' .. changes[2] .. ')', row == changes[2], 'cursor on line ' .. row)
  vim.api.nvim_feedkeys('[c', 'x', false)
  row = vim.api.nvim_win_get_cursor(0)[1]
  check('[c moves back (line ' .. changes[1] .. ')', row == changes[1], 'cursor on line ' .. row)

  -- Code lenses, refreshed by the plugin on attach.
  local lenses = {}
  vim.wait(5000, function()
    lenses = vim.lsp.codelens.get(buf)
    return #lenses > 0
  end, 20)
  check('code lenses are shown', #lenses > 0)
  local names = {}
  for _, lens in ipairs(lenses) do
    if lens.command then
      names[lens.command.command] = true
    end
  end
  check('every lens command has a client handler', (function()
    for name in pairs(names) do
      if name:match('^palimpsest%.') and not vim.lsp.commands[name] then
        return false
      end
    end
    return true
  end)(), vim.inspect(vim.tbl_keys(names)))

  check('semantic token groups are linked',
    vim.api.nvim_get_hl(0, { name = '@lsp.type.removedWords' }).link == 'PalimpsestRemovedWords'
    and vim.api.nvim_get_hl(0, { name = '@lsp.type.addedWords' }).link == 'PalimpsestAddedWords')

  -- :Palimpsest version 0 shows exactly `palimpsest show --version 0`.
  local expected = read_file(oracle_dir .. '/v0.txt')
  vim.cmd('Palimpsest version 0')
  local vbuf = vim.api.nvim_get_current_buf()
  local vname = vim.api.nvim_buf_get_name(vbuf)
  local shown = table.concat(vim.api.nvim_buf_get_lines(vbuf, 0, -1, false), '\n') .. '\n'
  check(':Palimpsest version 0 opens a palimpsest:// buffer', vname:match('^palimpsest://version/0/') ~= nil, vname)
  check(':Palimpsest version 0 text equals `palimpsest show --version 0`', shown == expected,
    string.format('%d bytes shown, %d expected; first line %q', #shown, #expected, (shown:match('^[^\n]*'))))
  check('version buffer is read-only', vim.bo[vbuf].modifiable == false and vim.bo[vbuf].buftype == 'nofile')

  -- :Palimpsest compare 0 1: two windows side by side in diff mode.
  vim.cmd('buffer ' .. buf)
  vim.cmd('Palimpsest compare 0 1')
  local wins = vim.api.nvim_tabpage_list_wins(0)
  local diffed = 0
  local versions = {}
  for _, win in ipairs(wins) do
    if vim.wo[win].diff then
      diffed = diffed + 1
      local name = vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(win))
      versions[#versions + 1] = name:match('^palimpsest://version/(%d+)/')
    end
  end
  check(':Palimpsest compare 0 1 opens both versions in diff mode', diffed == 2 and versions[1] == '0' and versions[2] == '1',
    string.format('%d diff windows: %s', diffed, vim.inspect(versions)))

  -- In diff mode ]c stays Vim's own (next hunk), not the server's.
  vim.cmd('tabclose')
  vim.cmd('buffer ' .. buf)
  vim.wo.diff = true
  local map = vim.fn.maparg(']c', 'n', false, true)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  pcall(vim.api.nvim_feedkeys, ']c', 'x', false)
  row = vim.api.nvim_win_get_cursor(0)[1]
  vim.wo.diff = false
  check(']c is buffer-local and falls back to the built-in in diff mode', map.buffer == 1 and row ~= changes[1],
    'cursor on line ' .. row)

  -- A lens command runs client-side: openVersion opens a version buffer.
  local handler = vim.lsp.commands['palimpsest.openVersion']
  local before_bufs = #vim.api.nvim_list_bufs()
  handler({ title = 'Open version 1', command = 'palimpsest.openVersion', arguments = { vim.uri_from_bufnr(buf), 1 } },
    { bufnr = buf, client_id = client_for(buf).id })
  local opened = vim.api.nvim_buf_get_name(vim.api.nvim_get_current_buf())
  check('lens command palimpsest.openVersion opens version 1', opened:match('^palimpsest://version/1/') ~= nil
    and #vim.api.nvim_list_bufs() >= before_bufs, opened)

  -- The showEarlierWording lens command opens the hover on that passage.
  vim.cmd('buffer ' .. buf)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.lsp.commands['palimpsest.showEarlierWording']({ title = 'show', command = 'palimpsest.showEarlierWording',
    arguments = { vim.uri_from_bufnr(buf), 9 } }, { bufnr = buf, client_id = client_for(buf).id })
  local float
  vim.wait(5000, function()
    float = floating_text()
    return float ~= nil and float ~= ''
  end, 20)
  check('lens command palimpsest.showEarlierWording shows the earlier wording of line 10',
    float ~= nil and words(float):find(words(old10), 1, true) ~= nil and vim.api.nvim_win_get_cursor(0)[1] == 10,
    tostring(float):sub(1, 200))
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      vim.api.nvim_win_close(win, true)
    end
  end

  -- setup{} changes the keymaps of open dumps.
  require('palimpsest').setup({ keymaps = { next_change = ']p', previous_change = false } })
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.api.nvim_feedkeys(']p', 'x', false)
  row = vim.api.nvim_win_get_cursor(0)[1]
  check('setup{ keymaps } remaps next change to ]p and unmaps [c', row == changes[1]
    and vim.fn.maparg('[c', 'n', false, true).buffer ~= 1, 'cursor on line ' .. row)
  require('palimpsest').setup({})

  -- The help file and its tags.
  local help_ok = pcall(vim.cmd, 'help :Palimpsest-version')
  check(':help :Palimpsest-version opens the help file', help_ok and vim.bo.filetype == 'help'
    and vim.api.nvim_buf_get_name(0):match('palimpsest%.txt$') ~= nil)
  vim.cmd('close')

  -- :checkhealth palimpsest reports no error.
  vim.cmd('checkhealth palimpsest')
  local health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  check(':checkhealth palimpsest has no ERROR', health:find('palimpsest', 1, true) ~= nil and not health:find('ERROR', 1, true),
    health:sub(1, 400))
end)

if not ok then
  check('scenario ran without a Lua error', false, tostring(err))
end
finish()
