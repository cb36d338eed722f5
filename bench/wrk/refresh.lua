-- Refresh-token rotation: every answer carries the next refresh token, so each thread
-- (one connection per thread) chains its own. Arguments: token path, Authorization
-- header, then one starting refresh token per thread.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end

function init(args)
  path = args[1]
  auth = args[2]
  current = args[2 + index]
end

function request()
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = auth,
  }, "grant_type=refresh_token&refresh_token=" .. current)
end

function scenario_response(status, headers, body)
  local next_token = string.match(body or "", '"refresh_token"%s*:%s*"([^"]+)"')
  if next_token then
    current = next_token
  end
end
