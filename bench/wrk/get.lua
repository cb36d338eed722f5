-- A fixed GET (discovery, JWKS, userinfo, forward-auth). Arguments: path, header lines.
function init(args)
  path = args[1]
  hdrs = {}
  for i = 2, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    hdrs[name] = value
  end
end

function request()
  return wrk.format("GET", path, hdrs, nil)
end
