// `ingot_fake_upstream`: the scriptable OpenAI-compatible upstream of the gateway tests as a process, for manual
// runs and end-to-end scripts. Prints the port it listens on (127.0.0.1), then serves until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#include "gateway/fake_upstream.h"

int main(int argc, char** argv) {
  ingot::gateway::FakeBehaviour b;
  int port = 0;
  int threads = 8;
  CLI::App app{"A scriptable OpenAI-compatible upstream for gateway tests (127.0.0.1 only)", "ingot_fake_upstream"};
  app.add_option("--port", port, "port (0: any free port)");
  app.add_option("--threads", threads, "connection threads (each kept-alive connection holds one)");
  app.add_option("--name", b.name, "name put in the answers");
  app.add_option("--fail-status", b.fail_status, "answer every request with this HTTP status");
  app.add_option("--delay", b.delay_seconds, "seconds before the status line");
  app.add_option("--chunks", b.stream_chunks, "content chunks per stream");
  app.add_option("--chunk-delay", b.chunk_delay_seconds, "seconds between stream chunks");
  app.add_option("--break-after", b.break_after_chunks, "close streams after this many chunks");
  app.allow_extras();  // so that it can stand in for `ingot serve MODEL --host ... --alias ...` in tests
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ingot::gateway::FakeUpstream upstream(b);
  auto bound = upstream.Start(port, threads);
  if (!bound.ok()) {
    std::fprintf(stderr, "ingot_fake_upstream: %s\n", bound.status().ToString().c_str());
    return 1;
  }
  std::printf("%d\n", *bound);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  return 0;
}
