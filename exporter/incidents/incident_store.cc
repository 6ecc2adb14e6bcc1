// SPDX-License-Identifier: Apache-2.0
#include "incidents/incident_store.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace epx {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSuffix = ".json";

// Ids of the incident files in the directory, oldest first.
std::vector<std::string> StoredIds(const fs::path& directory) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= 5 || name.substr(name.size() - 5) != kSuffix) continue;
    std::string id = name.substr(0, name.size() - 5);
    if (IsIncidentId(id)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool ReadText(const fs::path& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return !in.bad();
}

// Writes text to dir/<id>.json through a temporary file renamed over it;
// false with *what when a step fails (the temporary file is removed).
bool WriteAtomically(const fs::path& dir, const std::string& id,
                     const std::string& text, std::string* what) {
  std::error_code ec;
  fs::path target = dir / (id + kSuffix);
  fs::path temp = dir / (id + ".json.tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      *what = "cannot write " + temp.string();
      return false;
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(temp, ec);
      *what = "cannot write " + temp.string() + " (disk full?)";
      return false;
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(target, ec);
    fs::rename(temp, target, ec);
  }
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    *what = "cannot rename to " + target.string() + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace

bool IsIncidentId(const std::string& id) {
  if (id.size() != 16 || id[8] != 'T' || id[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i == 8) continue;
    if (id[i] < '0' || id[i] > '9') return false;
  }
  return true;
}

IncidentStore::IncidentStore(std::string directory, std::size_t keep)
    : directory_(std::move(directory)), keep_(keep) {}

bool IncidentStore::Save(const Incident& incident, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto fail = [&](const std::string& what) {
    ++write_errors_;
    if (writable_)
      std::fprintf(stderr,
                   "level=error msg=\"incident not recorded: %s; recording "
                   "resumes at the next write that succeeds\"\n",
                   what.c_str());
    writable_ = false;
    *error = what;
    return false;
  };
  if (!IsIncidentId(incident.id)) return fail("bad incident id");
  std::string text = IncidentToJson(incident);
  if (text.empty()) return fail("incident " + incident.id + " too large");
  fs::path dir(directory_);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + directory_ + ": " + ec.message());
  std::string what;
  if (!WriteAtomically(dir, incident.id, text, &what)) return fail(what);
  if (!writable_)
    std::fprintf(stderr, "level=info msg=\"incident recording resumed\"\n");
  writable_ = true;
  std::vector<std::string> ids = StoredIds(dir);
  for (std::size_t i = 0; i + keep_ < ids.size(); ++i)
    fs::remove(dir / (ids[i] + kSuffix), ec);
  return true;
}

std::size_t IncidentStore::CloseInterrupted() {
  std::lock_guard<std::mutex> lock(mu_);
  fs::path dir(directory_);
  std::size_t closed = 0;
  for (const std::string& id : StoredIds(dir)) {
    std::string text, marked, what;
    if (!ReadText(dir / (id + kSuffix), &text) ||
        text.size() > kMaxIncidentBytes ||
        !MarkIncidentInterrupted(text, &marked))
      continue;
    if (WriteAtomically(dir, id, marked, &what))
      ++closed;
    else
      std::fprintf(stderr,
                   "level=warn msg=\"incident left open by a stop not "
                   "closed\" id=%s reason=\"%s\"\n",
                   id.c_str(), what.c_str());
  }
  return closed;
}

std::vector<IncidentSummary> IncidentStore::List() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<IncidentSummary> out;
  fs::path dir(directory_);
  std::vector<std::string> ids = StoredIds(dir);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    fs::path path = dir / (*it + kSuffix);
    std::string text, problem;
    IncidentSummary summary;
    if (!ReadText(path, &text)) {
      problem = "cannot read";
    } else if (text.size() > kMaxIncidentBytes) {
      problem = "larger than an incident may be";
    } else if (ParseIncidentSummary(text, &summary, &problem)) {
      if (summary.id == *it) {
        out.push_back(summary);
        continue;
      }
      problem = "its id is not its file name";
    }
    if (logged_.insert(*it).second)
      std::fprintf(stderr,
                   "level=warn msg=\"incident file skipped\" file=\"%s\" "
                   "reason=\"%s\"\n",
                   path.string().c_str(), problem.c_str());
  }
  return out;
}

bool IncidentStore::Read(const std::string& id, std::string* text) {
  if (!IsIncidentId(id)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  std::string content, problem;
  IncidentSummary summary;
  if (!ReadText(fs::path(directory_) / (id + kSuffix), &content) ||
      content.size() > kMaxIncidentBytes ||
      !ParseIncidentSummary(content, &summary, &problem))
    return false;
  *text = std::move(content);
  return true;
}

std::uint64_t IncidentStore::WriteErrors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return write_errors_;
}

bool IncidentStore::Writable() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writable_;
}

}  // namespace epx
