// The hostile corpus (tests/data/humaneval/hostile/*.py): fork bomb, infinite loop, memory bomb,
// writing and deleting outside the sandbox, a network connection, signalling the harness, reading
// its environment, endless output, a daemon that leaves the process group, regaining root. Every
// program must fail with a reason, the run must finish, the harness must survive, no connection may
// arrive, nothing outside the sandbox may change and no process may be left behind.

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "he_support.h"

namespace he = engram::tasks::humaneval;
namespace th = engram::testing::humaneval;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

// Processes (tasks) whose real uid lies in [lo, hi].
int processes_with_uid_in(uint32_t lo, uint32_t hi) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream in(e.path() / "status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        uint64_t uid = std::strtoull(line.c_str() + 4, nullptr, 10);
        if (uid >= lo && uid <= hi) ++n;
        break;
      }
    }
  }
  return n;
}

struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
  bool got_connection() const {
    int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c >= 0) {
      close(c);
      return true;
    }
    return false;
  }
  // The listener itself works: a connection from this (host) namespace is accepted.
  bool reachable_from_host() const {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(s);
    for (int i = 0; ok && i < 100; ++i) {
      if (got_connection()) return true;
      usleep(10000);
    }
    return false;
  }
};

// What the corpus attacks: a root-owned directory with a canary file, a path in the host's
// temporary directory, a listener on the host's loopback, a secret in our environment.
struct Targets {
  th::TempDir guarded;
  fs::path canary;
  struct stat canary_before {};
  fs::path outside = fs::temp_directory_path() / ("engram-he-pwned-" + std::to_string(getpid()));
  Listener listener;
  const std::string secret_name = "ENGRAM_HE_TEST_SECRET";

  Targets() {
    EXPECT_EQ(chmod(guarded.path().c_str(), 0755), 0);
    canary = guarded.path() / "canary.txt";
    th::write_text(canary, "canary: must not change\n");
    EXPECT_EQ(chmod(canary.c_str(), 0644), 0);
    EXPECT_EQ(stat(canary.c_str(), &canary_before), 0);
    setenv(secret_name.c_str(), "hunter2", 1);
  }
  ~Targets() { unsetenv(secret_name.c_str()); }

  std::string substitute(std::string text) const {
    replace_all(text, "@CANARY_DIR@", guarded.path().string());
    replace_all(text, "@CANARY@", canary.string());
    replace_all(text, "@OUTSIDE_FILE@", outside.string());
    replace_all(text, "@PORT@", std::to_string(listener.port));
    replace_all(text, "@HARNESS_PID@", std::to_string(getpid()));
    replace_all(text, "@SECRET_NAME@", secret_name);
    return text;
  }

  void expect_unchanged() const {
    EXPECT_EQ(read_file(canary), "canary: must not change\n");
    struct stat canary_after {};
    ASSERT_EQ(stat(canary.c_str(), &canary_after), 0);
    EXPECT_EQ(canary_after.st_mode, canary_before.st_mode);
    EXPECT_EQ(canary_after.st_mtim.tv_sec, canary_before.st_mtim.tv_sec);
    EXPECT_EQ(canary_after.st_mtim.tv_nsec, canary_before.st_mtim.tv_nsec);
    std::vector<std::string> listing;
    for (const auto& e : fs::directory_iterator(guarded.path())) listing.push_back(e.path().filename().string());
    EXPECT_EQ(listing, std::vector<std::string>{"canary.txt"});
    EXPECT_FALSE(fs::exists(outside));
    EXPECT_FALSE(fs::exists("/dev/shm/engram-he-pwned"));
    EXPECT_FALSE(fs::exists("/var/tmp/engram-he-pwned"));
  }
};

// How each program failed.
void expect_failure_kinds(std::map<std::string, he::ExecResult>& by_name, const he::Sandbox& box) {
  EXPECT_TRUE(by_name["fork_bomb"].status == he::ExecStatus::kTimeout ||
              by_name["fork_bomb"].status == he::ExecStatus::kCrashed)
      << by_name["fork_bomb"].reason;
  EXPECT_EQ(by_name["infinite_loop"].status, he::ExecStatus::kTimeout);
  // MemoryError at the address-space limit (on a machine loaded enough, the clock may win first).
  if (by_name["memory_bomb"].status != he::ExecStatus::kTimeout) {
    EXPECT_EQ(by_name["memory_bomb"].status, he::ExecStatus::kFailed);
    EXPECT_EQ(by_name["memory_bomb"].reason, "MemoryError");
  }
  EXPECT_EQ(by_name["infinite_output"].status, he::ExecStatus::kOutputLimit);
  EXPECT_LE(by_name["infinite_output"].stdout_tail.size(), box.config().tail_bytes);
  for (const char* n : {"write_outside", "delete_outside", "network", "kill_parent", "read_env", "escape_daemon",
                        "privilege"}) {
    EXPECT_EQ(by_name[n].status, he::ExecStatus::kFailed) << n << ": " << by_name[n].reason;
  }
  EXPECT_NE(by_name["read_env"].reason.find("secret not visible"), std::string::npos) << by_name["read_env"].reason;
  EXPECT_NE(by_name["kill_parent"].reason.find("harness not signalled"), std::string::npos);
}

// Nothing left running under the sandbox uids (the daemon and the fork bomb's children).
void expect_no_processes_left(const he::Sandbox& box) {
  auto count = [&] {
    int n = 0;
    for (uint32_t uid : box.uids()) n += processes_with_uid_in(uid, uid);
    return n;
  };
  int left = count();
  for (int i = 0; i < 50 && left > 0; ++i) {  // reaping by the kernel may lag a moment
    usleep(20000);
    left = count();
  }
  EXPECT_EQ(left, 0) << "processes left behind under the sandbox uids";
}

}  // namespace

TEST(HumanEvalHostile, CorpusIsContained) {
  const fs::path corpus = engram::testing::source_dir() / "tests" / "data" / "humaneval" / "hostile";
  ASSERT_TRUE(fs::is_directory(corpus)) << corpus;

  he::SandboxConfig config;  // the defaults, but a smaller memory limit: the bomb hits it sooner
  config.memory_bytes = 256ull << 20;
  he::Sandbox box(config);
  const he::Isolation& iso = box.isolation();
  std::fprintf(stderr, "[humaneval] hostile corpus, isolation: %s\n", iso.to_json().dump().c_str());
  if (!iso.contains_hostile()) {
    // Say exactly what is missing: on this machine the corpus could escape.
    GTEST_SKIP() << "the sandbox cannot contain the hostile corpus on this machine: " << iso.to_json().dump();
  }

  Targets targets;
  ASSERT_TRUE(targets.listener.reachable_from_host()) << "the test's own listener does not work";
  std::vector<std::string> names, programs;
  for (const auto& e : fs::directory_iterator(corpus)) {
    if (e.path().extension() != ".py") continue;
    names.push_back(e.path().stem().string());
    programs.push_back(targets.substitute(read_file(e.path())));
  }
  ASSERT_GE(names.size(), 11u);

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<he::ExecResult> results = box.run(programs);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // We are still here (the harness survived), and the run finished.
  ASSERT_EQ(results.size(), programs.size());
  std::map<std::string, he::ExecResult> by_name;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& r = results[i];
    by_name[names[i]] = r;
    std::fprintf(stderr, "[humaneval] hostile %-16s %-13s %5.2f s  %s\n", names[i].c_str(),
                 std::string(he::to_string(r.status)).c_str(), r.wall_s, r.reason.c_str());
    EXPECT_FALSE(r.passed()) << names[i] << " escaped: " << r.stdout_tail;
    EXPECT_NE(r.status, he::ExecStatus::kSandboxError) << names[i] << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty()) << names[i];
    EXPECT_EQ(r.stdout_tail.find("ESCAPED"), std::string::npos) << names[i] << ": " << r.stdout_tail;
  }
  std::fprintf(stderr, "[humaneval] hostile corpus: %zu programs in %.2f s\n", names.size(), secs);
  expect_failure_kinds(by_name, box);
  targets.expect_unchanged();

  // No connection reached the host's loopback.
  if (iso.net_ns) {
    EXPECT_FALSE(targets.listener.got_connection()) << "a sandboxed program connected to the host's loopback";
    EXPECT_NE(by_name["network"].reason.find("no connection"), std::string::npos) << by_name["network"].reason;
  } else {
    std::fprintf(stderr, "[humaneval] NOTE: no network namespace on this machine: network access is NOT contained\n");
  }
  if (iso.uid_drop && !box.config().shared_uid) expect_no_processes_left(box);
}

TEST(HumanEvalHostile, HostileCompletionsScoreAsFailures) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  // The same attacks as HumanEval completions, through the evaluation path: each sample fails,
  // the canonical one next to them passes.
  const auto& problems = th::problems();
  std::vector<he::Problem> subset = {problems[0]};
  std::vector<he::Sample> samples = {
      {problems[0].task_id, problems[0].canonical_solution, ""},
      {problems[0].task_id, "    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n", ""},
      {problems[0].task_id, "    while True:\n        pass\n", ""},
      {problems[0].task_id, "    import sys\n    while True:\n        sys.stdout.write('y' * 65536)\n", ""},
      {problems[0].task_id, "    import socket\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    return True\n", ""},
  };
  he::SandboxConfig config;
  config.timeout_s = 2.0;
  he::Sandbox box(config);
  if (!box.isolation().uid_drop && !box.isolation().pid_ns) {
    GTEST_SKIP() << "no uid drop and no PID namespace: not running a fork bomb here";
  }
  he::EvalOptions options;
  options.ks = {1, 5};
  he::EvalResult r = he::evaluate_samples(subset, samples, box, options);
  ASSERT_EQ(r.samples.size(), 5u);
  EXPECT_TRUE(r.samples[0].passed()) << r.samples[0].reason;
  for (size_t i = 1; i < 5; ++i) EXPECT_FALSE(r.samples[i].passed()) << i << ": " << r.samples[i].reason;
  EXPECT_EQ(r.problems[0].c, 1);
  EXPECT_NEAR(r.pass_at_k.at(1), 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(r.pass_at_k.at(5), 1.0);
  EXPECT_EQ(r.sandbox_errors, 0);
}
