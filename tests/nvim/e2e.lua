-- End-to-end checks of editors/nvim in a real Neovim (run by tests/nvim/run.sh).
-- Usage: nvim --headless --clean --cmd 'set rtp^=editors/nvim' -l e2e.lua SCENARIO FILE [ORACLE_DIR]
--   dump   FILE is a copy of the example dump; ORACLE_DIR holds v0.txt (palimpsest show
--          --version 0), old10.txt (earlier wording of line 10) and changes.txt (1-based
--          lines of the changed passages, one a line)
--   vdump  FILE is the example saved as .vdump
--   plain  FILE is a .txt that is not a dump
--   series FILE is the middle dump of a copied series folder (all dumps of one article);
--          the expected history comes from `palimpsest export` of every dump there
--          ($PALIMPSEST_BIN, else palimpsest on PATH)
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

-- A dump whose folder holds the other dumps of its article (a series): hover on a row
-- whose paragraph exists in at least three versions shows its whole history. The
-- expected history is followed here, independently of the server's hover code, through
-- the rows of `palimpsest export ALL_DUMPS` (each step's rows, by paragraph position).
local function json_of(cmd)
  local out = vim.fn.system(cmd)
  if vim.v.shell_error ~= 0 then
    error(table.concat(cmd, ' ') .. ' failed: ' .. out:sub(1, 300))
  end
  return vim.json.decode(out, { luanil = { object = true, array = true } })
end

local function nospace(s)
  return (s:gsub('%s+', ''))
end

-- The older and newer wording of a hover word diff (markdown `~~old~~ **new**` with
-- backslash escapes, or plain `[-old-]{+new+}`); nil, nil when it holds no marker.
local function undiff(body, md)
  local old, new, marked = {}, {}, false
  if md then
    local mode, i = nil, 1
    while i <= #body do
      local c = body:sub(i, i)
      local two = body:sub(i, i + 1)
      if c == '\\' then
        local lit = body:sub(i + 1, i + 1)
        if mode ~= 'added' then old[#old + 1] = lit end
        if mode ~= 'removed' then new[#new + 1] = lit end
        i = i + 2
      elseif two == '~~' or two == '**' then
        local m = two == '~~' and 'removed' or 'added'
        if mode == m then
          mode = nil
        else
          mode = m
        end
        marked = true
        i = i + 2
      else
        if mode ~= 'added' then old[#old + 1] = c end
        if mode ~= 'removed' then new[#new + 1] = c end
        i = i + 1
      end
    end
  else
    local o = body:gsub('{%+.-%+}', ''):gsub('%[%-(.-)%-%]', '%1')
    local n = body:gsub('%[%-.-%-%]', ''):gsub('{%+(.-)%+}', '%1')
    marked = o ~= body or n ~= body
    old, new = { o }, { n }
  end
  if not marked then
    return nil, nil
  end
  return table.concat(old), table.concat(new)
end

local function unescape_md(s)
  return (s:gsub('\\(.)', '%1'))
end

local function series_scenario()
  local folder = vim.fn.fnamemodify(file, ':h')
  local bin = os.getenv('PALIMPSEST_BIN') or vim.fn.exepath('palimpsest')
  local dumps = vim.fn.sort(vim.fn.glob(folder .. '/*.txt', false, true))
  local chain = json_of(vim.list_extend({ bin, 'export' }, dumps))
  local own = json_of({ bin, 'export', file })
  local a, b = own.versions[1].number, own.versions[2].number
  check(string.format('export of the series is one chain of %d dumps, %d versions', #dumps, #chain.versions),
    #dumps >= 3 and #chain.steps == #dumps and #chain.versions >= 3,
    string.format('%d dumps, %d steps, %d versions', #dumps, #(chain.steps or {}), #(chain.versions or {})))

  -- Each step: its two version numbers and, per row, the paragraph index on each side.
  local by_old, by_new, middle = {}, {}, nil
  for _, st in ipairs(chain.steps) do
    local s = { older = st.versions[1].number, newer = st.versions[2].number, rows = {} }
    local oi, ni = 0, 0
    for _, r in ipairs(st.rows) do
      local row = { line = r.line, old = r.old, new = r.new }
      if r.old ~= nil then oi = oi + 1; row.oi = oi end
      if r.new ~= nil then ni = ni + 1; row.ni = ni end
      s.rows[#s.rows + 1] = row
    end
    by_old[s.older], by_new[s.newer] = s, s
    if s.older == a and s.newer == b then middle = s end
  end
  if not check('the chain has a step for the open dump (Version ' .. a .. ' → ' .. b .. ')', middle ~= nil) then
    return
  end
  local function find_row(s, side, idx)
    for _, r in ipairs(s.rows) do
      if r[side] == idx then return r end
    end
  end
  -- The paragraph of a row of the open dump in every version, oldest first.
  local function history_of(row)
    local h = {}
    local number, idx, text = middle.older, row.oi, row.old
    while idx do -- backwards
      table.insert(h, 1, { number = number, text = text })
      local s = by_new[number]
      local r = s and find_row(s, 'ni', idx)
      if not r then break end
      number, idx, text = s.older, r.oi, r.old
    end
    number, idx, text = middle.newer, row.ni, row.new
    while idx do -- forwards
      h[#h + 1] = { number = number, text = text }
      local s = by_old[number]
      local r = s and find_row(s, 'oi', idx)
      if not r then break end
      number, idx, text = s.newer, r.ni, r.new
    end
    return h
  end
  local function changes_in(h)
    local n = 0
    for i = 2, #h do
      if h[i].text ~= h[i - 1].text then n = n + 1 end
    end
    return n
  end
  -- Every row whose paragraph exists in at least three versions; the first of the longest
  -- histories that change is also hovered in the float (and must exist).
  local cases, pick = {}, nil
  for _, row in ipairs(middle.rows) do
    local h = history_of(row)
    if #h >= 3 then
      cases[#cases + 1] = { line = row.line, expected = h }
      if changes_in(h) > 0 and (not pick or #h > #pick.expected) then
        pick = cases[#cases]
      end
    end
  end
  local function numbers_of(h)
    local out = {}
    for _, e in ipairs(h) do out[#out + 1] = e.number end
    return out
  end
  local lines = vim.tbl_map(function(c) return c.line end, cases)
  if not check('the export has rows whose paragraph exists in at least 3 versions (lines '
      .. table.concat(lines, ', ') .. '), one of them changing', pick ~= nil) then
    return
  end
  -- The followed wordings agree with the chain's own versions.
  local inconsistent = {}
  for _, c in ipairs(cases) do
    for _, e in ipairs(c.expected) do
      local v
      for _, cv in ipairs(chain.versions) do
        if cv.number == e.number then v = cv end
      end
      if not v or not vim.tbl_contains(v.paragraphs, e.text) then
        inconsistent[#inconsistent + 1] = string.format('line %d, Version %d', c.line, e.number)
      end
    end
  end
  check('the followed wordings are paragraphs of their chain versions', #inconsistent == 0,
    table.concat(inconsistent, '; '))

  vim.cmd.edit(vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local attached = vim.wait(10000, function()
    return client_for(buf) ~= nil and client_for(buf).initialized
  end, 20)
  check('palimpsest client attaches to ' .. vim.fn.fnamemodify(file, ':t'), attached)
  if not attached then
    return
  end

  local function hover_at(line)
    local r = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
      textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line - 1, character = 0 } }, 5000)
    for _, res in pairs(r or {}) do
      if res.result and res.result.contents then
        return res.result.contents.value, res.result.contents.kind
      end
    end
  end
  -- What is wrong with a hover's History section, compared with the expected history.
  local function problems_of(value, kind, expected)
    local md = kind == 'markdown'
    local section = value and value:match(md and '%*%*History%*%*\n(.*)$' or '\nHistory\n(.*)$')
    if not section then
      return { 'no History section; hover: ' .. tostring(value):sub(1, 300) }
    end
    local entries = {}
    for l in section:gmatch('[^\n]+') do
      local n, body
      if md then
        n, body = l:match('^%*Version (%d+)[^:]*:%* (.*)$')
      else
        n, body = l:match('^Version (%d+)[^:]*: (.*)$')
      end
      if n then entries[#entries + 1] = { number = tonumber(n), body = body } end
    end
    local got, want_numbers = numbers_of(entries), numbers_of(expected)
    if not vim.deep_equal(got, want_numbers) then
      return { 'versions ' .. vim.inspect(got) .. ', expected ' .. vim.inspect(want_numbers) }
    end
    local problems = {}
    for i, e in ipairs(entries) do
      local want = expected[i].text
      if i == 1 then
        local first = md and unescape_md(e.body) or e.body
        if nospace(first) ~= nospace(want) then
          problems[#problems + 1] = string.format('Version %d: %q, expected %q', e.number, first, want)
        end
      elseif want == expected[i - 1].text then
        if not e.body:match('^%*?%(unchanged%)%*?$') then
          problems[#problems + 1] = string.format('Version %d: %q, expected (unchanged)', e.number, e.body)
        end
      else
        local old, new = undiff(e.body, md)
        if not old or nospace(old) ~= nospace(expected[i - 1].text) or nospace(new) ~= nospace(want) then
          problems[#problems + 1] = string.format('Version %d: diff %q does not turn %q into %q',
            e.number, e.body, expected[i - 1].text, want)
        end
      end
    end
    return problems
  end

  -- The folder is indexed on the first request that needs it: ask until History appears.
  local value, kind
  vim.wait(15000, function()
    value, kind = hover_at(pick.line)
    return value ~= nil and value:find('History', 1, true) ~= nil
  end, 200)
  local problems = {}
  for _, c in ipairs(cases) do
    local v, k = hover_at(c.line)
    kind = kind or k
    for _, p in ipairs(problems_of(v, k, c.expected)) do
      problems[#problems + 1] = 'line ' .. c.line .. ': ' .. p
    end
  end
  check(string.format('hover shows the History, oldest first, with each step\'s words, on lines %s '
      .. '(line %d: versions %s) (%s)', table.concat(lines, ', '), pick.line,
      table.concat(numbers_of(pick.expected), ', '), tostring(kind)),
    #problems == 0, table.concat(problems, '; '))

  -- The same in the float the user sees (K).
  vim.api.nvim_win_set_cursor(0, { pick.line, 0 })
  vim.lsp.buf.hover()
  local float
  vim.wait(5000, function()
    float = floating_text()
    return float ~= nil and float:find('History', 1, true) ~= nil
  end, 20)
  local shown = {}
  local tail = (float or ''):match('History(.*)$') or ''
  for n in tail:gmatch('Version (%d+)') do
    shown[#shown + 1] = tonumber(n)
  end
  check('the hover float on line ' .. pick.line .. ' shows the History with the same versions in order',
    vim.deep_equal(shown, numbers_of(pick.expected)), vim.inspect(shown) .. '; float: ' .. tostring(float):sub(1, 300))
end

local ok, err = pcall(function()
  if scenario == 'series' then
    series_scenario()
    return
  end
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
