// Runs the real `ingot` binary for the CLI tests: exit status and everything it printed.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace ingot::cli {

struct Output {
  int status = -1;
  std::string text;  // stdout and stderr
};

// `ingot ARGS` with stdout and stderr captured through a log file named after `tag` in INGOT_TEST_TMP.
inline Output Ingot(const std::string& args, const std::string& tag = "cli") {
  const std::string log = std::string(INGOT_TEST_TMP) + "/" + tag + ".log";
  const int st = std::system((std::string(INGOT_BINARY) + " " + args + " >" + log + " 2>&1").c_str());
  Output o;
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream in(log);
  std::ostringstream ss;
  ss << in.rdbuf();
  o.text = ss.str();
  return o;
}

}  // namespace ingot::cli
