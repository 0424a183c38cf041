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
