/**
 * The process environment ONNX Runtime reads when it starts. Imported by ort.ts before
 * onnxruntime-node, so it is set before the native library creates its environment (first session).
 *
 * ORT_DISABLE_TELEMETRY=1 (issue 18, item 7). onnxruntime-node 1.30 on Linux starts a telemetry
 * client (Microsoft's 1DS C++ SDK, onnxruntime/core/platform/posix/telemetry.cc) when its
 * environment is created. That client reads /proc/self/cmdline and runs a std::regex over all of it
 * (`(.*)[ ]*.*[\n]*`, cpp_client_telemetry lib/pal/posix/sysinfo_sources.cpp, the "appId" field).
 * libstdc++'s regex executor recurses for every character it matches, about 290 bytes of native stack
 * per character, so a command line of ~29 000 bytes or more overflows the 8 MiB main-thread stack and
 * the process dies with SIGSEGV (exit 139) — `reverie generate --prompt "<30 000 characters>"` did.
 * Measured: `node -e` with ORT and a 28 672-byte argument runs, 29 000 bytes crashes; `ulimit -s 65536`
 * or this variable makes it run; node's --stack-size (V8's JavaScript limit) does not. Turning the
 * client off also keeps Reverie from writing ~/.cache/Microsoft/DeveloperTools/.onnxruntime and from
 * trying to upload usage data: the studio promises no network traffic. A user's own value is replaced
 * on purpose: "0" would bring the crash back for long command lines.
 */
process.env.ORT_DISABLE_TELEMETRY = '1';
