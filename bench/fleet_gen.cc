// SPDX-License-Identifier: Apache-2.0
// Writes the series a central store receives from a simulated fleet, for
// bench/fleet_sizing.py: N hosts, one sample per series every INTERVAL
// seconds over [START, END). The per-host series come from a template
// (written by fleet_sizing.py from the real exposition and the shipped
// forwarding list), one line each: KIND OS NAME LABELS, where LABELS is
// `-` or `k="v",...` without job/instance/site, and KIND picks the value
// model (see Value()). Hosts are spread over sites of 100; every other host
// is Windows; 5% are filling up (headline rising, hours-to-exhaustion
// present); 1% sit above 80% with a firing ALERTS series.
//
// usage: fleet_gen FORMAT TEMPLATE HOSTS ORIGIN START END INTERVAL
//   (values are a function of the time since ORIGIN, so runs over
//   consecutive [START, END) windows join up)
//   FORMAT openmetrics: `name{labels} value ts` lines, per series in time
//          order, then `# EOF` (for promtool tsdb create-blocks-from
//          openmetrics);
//   FORMAT vmjson: one JSON line per series with its values and timestamps
//          (for VictoriaMetrics /api/v1/import).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Entry {
  std::string kind;
  std::string os;
  std::string name;
  std::string labels;
};

struct Host {
  bool windows;
  bool filling;
  bool high;
  double base;
  double phase;
  double opens_rate;
  double fails_rate;
  double capacity;
};

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

double Unit(uint64_t seed) {
  return (Mix(seed) >> 11) * (1.0 / 9007199254740992.0);
}

Host MakeHost(int i) {
  Host h;
  h.windows = i % 2 == 1;
  h.filling = i % 20 == 7;
  h.high = i % 100 == 42;
  h.base = h.high ? 0.82 : 0.02 + 0.3 * Unit(i * 7 + 1);
  h.phase = 6.283185307 * Unit(i * 7 + 2);
  h.opens_rate = 5 + 200 * Unit(i * 7 + 3);
  h.fails_rate = 0.01 * Unit(i * 7 + 4);
  h.capacity = h.windows ? 16384 : 28232;
  return h;
}

// Headline ratio of host h at t seconds since the start: a daily cycle,
// plus a steady climb for hosts filling up, plus scrape-to-scrape noise
// (ports held go up and down by a few percent between scrapes).
double Ratio(const Host& h, int host, double t, bool udp) {
  double r = h.base + 0.03 * std::sin(6.283185307 * t / 86400 + h.phase);
  if (h.filling) r += 0.4 * t / 86400;
  if (udp) r *= 0.3;
  double in_use =
      std::round(r * h.capacity *
                 (0.98 + 0.04 * Unit(host * 1000003ULL + (udp ? 7 : 3) +
                                     static_cast<uint64_t>(t) * 131)));
  return std::min(1.0, std::max(0.0, in_use / h.capacity));
}

// A counter rising at `rate` per second with uneven steps; monotonic
// whatever t: steps differ by less than one step's base size.
double Counter(double rate, int host, double t, uint64_t salt) {
  double step = rate * 30;
  return std::floor(rate * t + 0.9 * step *
                                   Unit(host * 1000003ULL + salt +
                                        static_cast<uint64_t>(t) * 131));
}

bool Present(const Entry& e, const Host& h) {
  if (e.os == "linux" && h.windows) return false;
  if (e.os == "windows" && !h.windows) return false;
  if (e.kind == "hours") return h.filling;
  if (e.kind == "alerts") return h.high;
  return true;
}

double Value(const Entry& e, const Host& h, int host, double t,
             int event_index) {
  bool udp = e.labels.find("protocol=\"udp\"") != std::string::npos;
  double pr = Ratio(h, host, t, udp);
  if (e.kind == "one") return 1;
  if (e.kind == "ratio") return pr;
  if (e.kind == "capacity") return h.capacity;
  if (e.kind == "in_use") return std::round(pr * h.capacity);
  if (e.kind == "opens") return Counter(h.opens_rate, host, t, 11);
  if (e.kind == "fails") return Counter(h.fails_rate, host, t, 13);
  if (e.kind == "events")
    return std::floor(t / 86400 * (event_index + 1) * (h.high ? 3 : 0));
  if (e.kind == "event_ts")
    return h.high ? 1.7e9 + std::floor(t / 86400) * 86400 : 0;
  if (e.kind == "hours") return std::round((1 - pr) / (0.4 / 24) * 100) / 100;
  return 0;
}

std::string Labels(const Entry& e, int i) {
  char host[96];
  std::snprintf(
      host, sizeof host,
      "instance=\"srv-%05d.site-%03d.example.internal\",job=\"ephemeral_port\","
      "site=\"site-%03d\"",
      i, i / 100, i / 100);
  std::string out = host;
  if (e.labels != "-") out += "," + e.labels;
  return out;
}

std::string JsonLabels(const std::string& name, const std::string& labels) {
  std::string out = "{\"__name__\":\"" + name + "\"";
  size_t pos = 0;
  while (pos < labels.size()) {
    size_t eq = labels.find('=', pos);
    size_t end = labels.find('"', eq + 2);
    out += ",\"" + labels.substr(pos, eq - pos) +
           "\":" + labels.substr(eq + 1, end - eq);
    pos = end + 2;
  }
  return out + "}";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr,
                 "usage: fleet_gen openmetrics|vmjson TEMPLATE HOSTS ORIGIN "
                 "START END INTERVAL\n");
    return 2;
  }
  std::string format = argv[1];
  std::ifstream in(argv[2]);
  int hosts = std::atoi(argv[3]);
  long origin = std::atol(argv[4]), start = std::atol(argv[5]),
       end = std::atol(argv[6]);
  long interval = std::atol(argv[7]);
  std::vector<Entry> entries;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Entry e;
    ls >> e.kind >> e.os >> e.name >> e.labels;
    entries.push_back(e);
  }
  static char buf[1 << 20];
  std::setvbuf(stdout, buf, _IOFBF, sizeof buf);
  for (int i = 0; i < hosts; ++i) {
    Host h = MakeHost(i);
    int event_index = 0;
    for (const Entry& e : entries) {
      if (!Present(e, h)) continue;
      std::string labels = Labels(e, i);
      int ev = e.kind == "events" ? event_index++ : 0;
      if (format == "openmetrics") {
        std::string prefix = e.name + "{" + labels + "} ";
        for (long ts = start; ts < end; ts += interval) {
          std::fputs(prefix.c_str(), stdout);
          std::printf("%.15g %ld\n", Value(e, h, i, ts - origin, ev), ts);
        }
      } else {
        std::printf("{\"metric\":%s,\"values\":[",
                    JsonLabels(e.name, labels).c_str());
        for (long ts = start; ts < end; ts += interval)
          std::printf(ts == start ? "%.15g" : ",%.15g",
                      Value(e, h, i, ts - origin, ev));
        std::fputs("],\"timestamps\":[", stdout);
        for (long ts = start; ts < end; ts += interval)
          std::printf(ts == start ? "%ld" : ",%ld", ts * 1000);
        std::fputs("]}\n", stdout);
      }
    }
  }
  if (format == "openmetrics") std::fputs("# EOF\n", stdout);
  return 0;
}
