-- :checkhealth palimpsest
local M = {}

function M.check()
  local health = vim.health
  health.start('palimpsest: Neovim')
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()) .. ' (0.11 or newer needed)')
  else
    health.error('Neovim 0.11 or newer is needed, this is ' .. tostring(vim.version()))
    return
  end
  if vim.g.loaded_palimpsest then
    health.ok('plugin/palimpsest.lua is loaded')
  else
    health.error('plugin/palimpsest.lua is not loaded: is editors/nvim on the runtimepath?')
  end

  health.start('palimpsest: language server')
  local palimpsest = require('palimpsest')
  local cmd = palimpsest.config.cmd or {}
  local exe = cmd[1]
  if type(exe) ~= 'string' or exe == '' then
    health.error('setup{ cmd = ... } has no executable')
  elseif vim.fn.executable(exe) == 1 then
    local path = vim.fn.exepath(exe)
    local result = vim.system({ path, '--version' }, { text = true }):wait(3000)
    local version = result and result.code == 0 and vim.trim(result.stdout or '') or 'version unknown'
    health.ok(string.format('%s found at %s (%s)', exe, path, version))
  else
    health.error(string.format('%s is not executable or not on PATH', exe), {
      'Build it with `cargo build --release` in the Palimpsest repository and put target/release on PATH,',
      "or point to it: require('palimpsest').setup{ cmd = { '/path/to/palimpsest', 'lsp' } }",
    })
  end
  local enabled = vim.lsp.is_enabled and vim.lsp.is_enabled('palimpsest')
  if enabled == false then
    health.warn('vim.lsp.enable("palimpsest") has not been called (g:palimpsest_no_lsp_enable is set?)')
  else
    health.ok('language server configuration "palimpsest" is enabled for filetype versiondump')
  end
  local clients = vim.lsp.get_clients({ name = 'palimpsest' })
  if #clients > 0 then
    for _, client in ipairs(clients) do
      local bufs = vim.tbl_keys(client.attached_buffers or {})
      health.info(string.format('client %d running, attached to %d buffer(s), position encoding %s', client.id, #bufs,
        client.offset_encoding))
    end
  else
    health.info('no palimpsest client is running (one starts when a version dump is opened)')
  end

  health.start('palimpsest: file detection')
  local ft = vim.filetype.match({ filename = 'example.vdump' })
  if ft == 'versiondump' then
    health.ok('*.vdump files are version dumps')
  else
    health.error('*.vdump files are detected as ' .. tostring(ft))
  end
  local detect = require('palimpsest.detect')
  if detect.looks_like_dump({ "This article is from the source 'bbc' and was first published or seen on ." })
    and not detect.looks_like_dump({ 'Just some notes.' }) then
    health.ok('.txt files are recognised by their content (source line or "Version A | Version B")')
  else
    health.error('content detection is broken')
  end
  local keymaps = palimpsest.config.keymaps or {}
  health.info(string.format('keymaps: next change %s, previous change %s (buffer-local; in diff mode the built-ins)',
    tostring(keymaps.next_change), tostring(keymaps.previous_change)))
end

return M
