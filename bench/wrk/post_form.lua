-- A fixed form POST (client credentials, introspection, sign-in). Arguments: path, body,
-- then header lines "Name: value".
function init(args)
  path = args[1]
  body = args[2]
  hdrs = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  for i = 3, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    hdrs[name] = value
  end
end

function request()
  return wrk.format("POST", path, hdrs, body)
end
