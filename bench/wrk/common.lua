-- Shared by every scenario: each script sets `scenario_request` (and optionally
-- `scenario_response`); this file reports wrk's figures as one JSON line.
local ok_status = 0
local bad_status = 0
function response(status, headers, body)
  if status >= 200 and status < 400 then
    ok_status = ok_status + 1
  else
    bad_status = bad_status + 1
    if bad_status <= 3 then
      io.stderr:write("unexpected status " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
    end
  end
  if scenario_response then
    scenario_response(status, headers, body)
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "errors": %d, "non_2xx_3xx": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
