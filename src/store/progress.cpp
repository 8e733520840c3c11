// Progress rendering for pulls (see progress.h).
#include "store/progress.h"

#include <cmath>

namespace ingot::store {

std::string FormatDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "--:--";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

namespace {

double Eta(const FetchProgress& p) {
  if (p.total == 0 || p.bytes_per_second <= 0 || p.done > p.total) return -1;
  return double(p.total - p.done) / p.bytes_per_second;
}

std::string Speed(const FetchProgress& p) { return FormatBytes(p.bytes_per_second) + "/s"; }

}  // namespace

std::string FormatProgressBar(const FetchProgress& p, int width) {
  std::string out;
  if (p.total > 0) {
    const double frac = std::min(1.0, double(p.done) / double(p.total));
    const int filled = int(frac * width);
    out.push_back('[');
    out.append(size_t(filled), '#');
    out.append(size_t(width - filled), '.');
    out.push_back(']');
    char pct[16];
    std::snprintf(pct, sizeof(pct), " %3d%%", int(frac * 100));
    out += pct;
    out += "  " + FormatBytes(double(p.done)) + " / " + FormatBytes(double(p.total));
  } else {
    out = FormatBytes(double(p.done));
  }
  out += "  " + Speed(p);
  if (p.total > 0) out += "  ETA " + FormatDuration(Eta(p));
  return out;
}

std::string FormatProgressLine(const FetchProgress& p) {
  if (p.total == 0) return FormatBytes(double(p.done)) + ", " + Speed(p);
  const int pct = int(std::min(1.0, double(p.done) / double(p.total)) * 100);
  return std::to_string(pct) + "% of " + FormatBytes(double(p.total)) + " (" + FormatBytes(double(p.done)) + "), " +
         Speed(p) + ", ETA " + FormatDuration(Eta(p));
}

void ProgressPrinter::StartFile(const std::string& file, int part, int count) {
  EndBar();
  last_decile_ = -1;
  last_line_ = {};
  if (count > 1) {
    std::fprintf(out_, "pulling %s (part %d of %d)\n", file.c_str(), part, count);
  } else {
    std::fprintf(out_, "pulling %s\n", file.c_str());
  }
  std::fflush(out_);
}

void ProgressPrinter::Update(const FetchProgress& p) {
  if (terminal_) {
    std::fprintf(out_, "\r%s\033[K", FormatProgressBar(p, 30).c_str());
    bar_open_ = true;
    std::fflush(out_);
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const int decile = p.total > 0 ? int(double(p.done) * 10 / double(p.total)) : -1;
  if (decile != last_decile_ || now - last_line_ >= std::chrono::seconds(5)) {
    last_decile_ = decile;
    last_line_ = now;
    std::fprintf(out_, "  %s\n", FormatProgressLine(p).c_str());
    std::fflush(out_);
  }
}

void ProgressPrinter::Note(const std::string& line) {
  EndBar();
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void ProgressPrinter::EndBar() {
  if (bar_open_) std::fputc('\n', out_);
  bar_open_ = false;
}

}  // namespace ingot::store
