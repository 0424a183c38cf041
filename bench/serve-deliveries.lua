-- serve-deliveries.lua: wrk script for bench/serve.sh. Every request is a
-- correctly signed GitHub pull_request delivery with its own delivery id
-- (the id is not covered by the signature, so one body and one signature
-- serve every request). Arguments: BODY_FILE SIGNATURE_HEX RUN_PREFIX.
local next_thread = 0

function setup(thread)
   thread:set("tid", next_thread)
   next_thread = next_thread + 1
end

function init(args)
   local f = assert(io.open(args[1], "rb"))
   body = f:read("*a")
   f:close()
   signature = "sha256=" .. args[2]
   prefix = args[3]
   counter = 0
end

function request()
   counter = counter + 1
   return wrk.format("POST", "/webhook/gh", {
      ["Content-Type"] = "application/json",
      ["X-GitHub-Event"] = "pull_request",
      ["X-GitHub-Delivery"] = prefix .. "-" .. tid .. "-" .. counter,
      ["X-Hub-Signature-256"] = signature,
   }, body)
end

-- The tail in finer steps than wrk's --latency (50/75/90/99).
function done(summary, latency, requests)
   local out = {}
   for _, p in ipairs({50, 90, 95, 99, 99.9}) do
      out[#out + 1] = string.format("p%s=%.1fms", p, latency:percentile(p) / 1000)
   end
   io.write("# latency " .. table.concat(out, " ") .. string.format(" max=%.1fms", latency.max / 1000) .. "\n")
end
