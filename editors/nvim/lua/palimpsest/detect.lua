-- Content detection for version dumps.
-- A dump starts with the News Sniffer source line, or (pipe-table flattening,
-- excerpts) has a "Version A | Version B" line within its first ten lines.
local M = {}

local SOURCE_PREFIX = "This article is from the source '"

--- @param lines string[] the first lines of a file (at least the first ten when available)
--- @return boolean
function M.looks_like_dump(lines)
  if not lines or #lines == 0 then
    return false
  end
  local first = (lines[1]:gsub('^\239\187\191', ''))
  if first:sub(1, #SOURCE_PREFIX) == SOURCE_PREFIX then
    return true
  end
  for i = 1, math.min(#lines, 10) do
    local line = lines[i]
    if line:match('^Version %d+ |Version %d+') or line:match('^Version %d+ | Version %d+') then
      return true
    end
  end
  return false
end

--- Reads up to ten lines from a buffer, or from the file when no buffer is given.
--- @param path string|nil
--- @param bufnr integer|nil
--- @return string[]
function M.first_lines(path, bufnr)
  if bufnr and vim.api.nvim_buf_is_valid(bufnr) and vim.api.nvim_buf_is_loaded(bufnr) then
    local lines = vim.api.nvim_buf_get_lines(bufnr, 0, 10, false)
    if #lines > 1 or (lines[1] and lines[1] ~= '') then
      return lines
    end
  end
  local lines = {}
  if path and path ~= '' then
    local file = io.open(path, 'rb')
    if file then
      for line in file:lines() do
        lines[#lines + 1] = (line:gsub('\r$', ''))
        if #lines >= 10 then
          break
        end
      end
      file:close()
    end
  end
  return lines
end

--- Filetype function for vim.filetype.add: 'versiondump' for dumps, nil otherwise.
function M.filetype(path, bufnr)
  if M.looks_like_dump(M.first_lines(path, bufnr)) then
    return 'versiondump'
  end
  return nil
end

return M
