-- A whole authorization-code + PKCE flow for a signed-in person: authorize (with the
-- session cookie) -> code in the redirect -> token. One connection per thread; a "flow"
-- is the token answer, so flows/s = token requests/s (half of wrk's requests/s).
-- Arguments: authorize path prefix (query up to code_challenge=), token path,
-- Authorization header, Cookie header, redirect_uri (encoded), then verifier:challenge
-- pairs.
function init(args)
  authorize_prefix = args[1]
  token_path = args[2]
  auth = args[3]
  cookie = args[4]
  redirect_uri = args[5]
  pairs_list = {}
  for i = 6, #args do
    local verifier, challenge = string.match(args[i], "^([^:]+):(.+)$")
    table.insert(pairs_list, { verifier, challenge })
  end
  step = "authorize"
  n = 0
end

function request()
  if step == "authorize" then
    n = n + 1
    pair = pairs_list[(n % #pairs_list) + 1]
    return wrk.format("GET", authorize_prefix .. pair[2] .. "&state=s" .. n, { ["Cookie"] = cookie }, nil)
  end
  return wrk.format("POST", token_path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = auth,
  }, "grant_type=authorization_code&code=" .. code .. "&redirect_uri=" .. redirect_uri .. "&code_verifier=" .. pair[1])
end

function scenario_response(status, headers, body)
  if step == "authorize" then
    local location = headers["Location"] or headers["location"] or ""
    code = string.match(location, "[?&]code=([^&]+)")
    if code then
      step = "token"
    else
      io.stderr:write("authorize gave no code: " .. status .. " " .. location .. "\n")
    end
  else
    step = "authorize"
  end
end
