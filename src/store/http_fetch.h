// HTTP(S) downloads with libcurl: redirects, resume with Range, retries with exponential backoff, stall
// timeouts, progress. Proxies (http_proxy, https_proxy, no_proxy: read by libcurl) and CA certificates
// (CURL_CA_BUNDLE or SSL_CERT_FILE, SSL_CERT_DIR: passed on here) come from the environment. A bearer token is
// sent only to the host of the URL it was given for: libcurl drops it when a redirect leaves that host (HF's CDN
// needs none).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "util/status.h"

namespace ingot::store {

struct FetchProgress {
  uint64_t done = 0;          // bytes of the file on disk so far (including a resumed prefix)
  uint64_t total = 0;         // expected size (0: unknown)
  uint64_t resumed_from = 0;  // bytes that were already on disk when this attempt started
  double bytes_per_second = 0;
};

struct FetchOptions {
  std::string bearer_token;  // "" for none; the caller decides which hosts get it
  int max_attempts = 5;      // first try + retries of transient failures (connection, timeout, 5xx, 429)
  std::chrono::milliseconds retry_delay{1000};  // doubled after each failed attempt
  long connect_timeout_seconds = 30;
  long stall_timeout_seconds = 60;  // abort an attempt that moves under 1 KiB/s for this long
  // Called about ten times a second and at the end; returning false cancels (kCancelled).
  std::function<bool(const FetchProgress&)> on_progress;
  // Told about retries and restarts ("retrying in 2s: connection refused").
  std::function<void(const std::string&)> on_note;
};

struct RemoteFile {
  std::optional<uint64_t> size;  // Content-Length of the final response
  std::string effective_url;     // after redirects
};

// HEAD request (following redirects). Errors: kNotFound (404/410), kInvalidArgument for 401/403 (with a hint
// about HF_TOKEN for gated Hugging Face files), kUnavailable for network failures and 5xx. A server that does
// not implement HEAD (405, 501) yields a RemoteFile without a size.
Result<RemoteFile> ProbeUrl(const std::string& url, const FetchOptions& options);

// Downloads `url` into `partial_path`, appending to what is already there (Range: bytes=N-). A server that
// answers 200 instead of 206 restarts the file from zero; 416 with a non-empty file means it is complete. The
// file is complete (not verified) when this returns ok.
Status FetchToFile(const std::string& url, const std::string& partial_path, const FetchOptions& options);

}  // namespace ingot::store
