// The sandbox on small programs: statuses and reasons, limits, the environment the program sees.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include "he_support.h"

namespace he = engram::tasks::humaneval;
namespace th = engram::testing::humaneval;

TEST(HumanEvalSandbox, ReportsIsolation) {
  const auto& box = th::sandbox();
  const auto& iso = box.isolation();
  std::fprintf(stderr, "[humaneval] isolation: %s\n", iso.to_json().dump().c_str());
  EXPECT_GE(box.config().workers, 1);
  EXPECT_FALSE(box.config().python.empty());
  if (geteuid() == 0) {
    EXPECT_TRUE(iso.uid_drop) << "running as root, the uid drop must work";
  }
  auto j = box.describe();
  EXPECT_TRUE(j.contains("isolation"));
  EXPECT_FALSE(j["python_version"].get<std::string>().empty());
}

TEST(HumanEvalSandbox, StatusesAndReasons) {
  const auto& box = th::quick_sandbox();
  std::vector<std::string> programs = {
      "print('hi')\n",
      "assert 1 == 2\n",
      "raise ValueError('boom')\n",
      "import sys\nsys.exit(3)\n",
      "import time\ntime.sleep(30)\n",
      "import ctypes\nctypes.string_at(0)\n",
      "def f(:\n",
      "",
  };
  auto r = box.run(programs);
  ASSERT_EQ(r.size(), programs.size());
  EXPECT_EQ(r[0].status, he::ExecStatus::kPassed) << r[0].reason << r[0].stderr_tail;
  EXPECT_EQ(r[0].stdout_tail, "hi\n");
  EXPECT_EQ(r[0].exit_code, 0);
  EXPECT_EQ(r[1].status, he::ExecStatus::kFailed);
  EXPECT_EQ(r[1].reason, "AssertionError");
  EXPECT_EQ(r[2].reason, "ValueError: boom");
  EXPECT_EQ(r[3].status, he::ExecStatus::kFailed);
  EXPECT_EQ(r[3].exit_code, 3);
  EXPECT_EQ(r[3].reason, "early_exit: status 3 before check returned");
  EXPECT_FALSE(r[3].ran_to_end);
  EXPECT_TRUE(r[0].ran_to_end);
  EXPECT_EQ(r[4].status, he::ExecStatus::kTimeout);
  EXPECT_EQ(r[4].reason, "wall-clock timeout after 1 s");
  EXPECT_LT(r[4].wall_s, 2.5);
  EXPECT_EQ(r[5].status, he::ExecStatus::kCrashed) << r[5].reason;
  EXPECT_EQ(r[5].signal, SIGSEGV);
  EXPECT_NE(r[5].reason.find("SIGSEGV"), std::string::npos) << r[5].reason;
  EXPECT_EQ(r[6].status, he::ExecStatus::kFailed);
  EXPECT_NE(r[6].reason.find("SyntaxError"), std::string::npos) << r[6].reason;
  EXPECT_EQ(r[7].status, he::ExecStatus::kPassed);
  for (const auto& x : r) EXPECT_GT(x.wall_s, 0.0);
}

TEST(HumanEvalSandbox, MinimalEnvironmentAndPrivateDirectory) {
  const auto& box = th::quick_sandbox();
  setenv("ENGRAM_HE_SHOULD_NOT_LEAK", "1", 1);
  auto r = box.run_one(
      "import os, sys, json\n"
      "print(json.dumps({'env': sorted(os.environ), 'cwd': os.getcwd(), 'home': os.environ.get('HOME'),\n"
      "  'files': sorted(os.listdir('.')), 'uid': os.getuid(), 'fds': sorted(int(f) for f in os.listdir('/proc/self/fd')),\n"
      "  'flags': sys.flags.isolated}))\n"
      "open('scratch.txt', 'w').write('ok')\n");
  unsetenv("ENGRAM_HE_SHOULD_NOT_LEAK");
  ASSERT_EQ(r.status, he::ExecStatus::kPassed) << r.reason << r.stderr_tail;
  auto j = nlohmann::json::parse(r.stdout_tail);
  std::set<std::string> env(j["env"].begin(), j["env"].end());
  env.erase("LC_CTYPE");  // Python may set it for locale coercion
  EXPECT_EQ(env, (std::set<std::string>{"HOME", "LANG", "OMP_NUM_THREADS", "PATH", "TMPDIR"}));
  EXPECT_EQ(j["home"], j["cwd"]);
  EXPECT_EQ(j["files"], nlohmann::json::array({"prog.py"}));
  EXPECT_EQ(j["flags"], 1);
  // stdin, stdout, stderr, the descriptor listdir itself opened and the end-of-program channel
  // (sandbox_runner.h): nothing inherited.
  EXPECT_LE(j["fds"].size(), 5u) << j["fds"].dump();
  if (box.isolation().uid_drop) {
    const uint32_t uid = j["uid"].get<uint32_t>();
    EXPECT_NE(uid, 0u);
    EXPECT_NE(std::find(box.uids().begin(), box.uids().end(), uid), box.uids().end()) << uid;
  }
  // A second program starts in an empty directory again.
  auto again = box.run_one("import os\nassert os.listdir('.') == ['prog.py'], os.listdir('.')\n");
  EXPECT_EQ(again.status, he::ExecStatus::kPassed) << again.reason;
}

TEST(HumanEvalSandbox, InheritedDescriptorsAreClosed) {
  const auto& box = th::quick_sandbox();
  int leaked = open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
  ASSERT_GE(leaked, 0);
  ASSERT_LT(leaked, 32) << "the end-of-program channel's numbers start at 32: the check would be ambiguous";
  auto r = box.run_one("import os\nos.fstat(" + std::to_string(leaked) + ")\n");
  close(leaked);
  EXPECT_EQ(r.status, he::ExecStatus::kFailed);
  EXPECT_NE(r.reason.find("Bad file descriptor"), std::string::npos) << r.reason;
}

TEST(HumanEvalSandbox, ResourceLimits) {
  he::SandboxConfig c;
  c.timeout_s = 2.0;
  c.workers = 2;
  c.max_file_bytes = 1 << 20;
  c.max_open_files = 32;
  c.memory_bytes = 256ull << 20;
  he::Sandbox box(c);
  auto r = box.run({
      "open('big', 'wb').write(b'x' * (2 << 20))\n",
      "fs = [open('f%d' % i, 'w') for i in range(64)]\n",
      "x = bytearray(512 << 20)\n",
      "import os\nimport resource\nprint(resource.getrlimit(resource.RLIMIT_CORE), resource.getrlimit(resource.RLIMIT_NPROC))\n",
  });
  EXPECT_EQ(r[0].status, he::ExecStatus::kFailed);
  EXPECT_NE(r[0].reason.find("File too large"), std::string::npos) << r[0].reason;
  EXPECT_EQ(r[1].status, he::ExecStatus::kFailed);
  EXPECT_NE(r[1].reason.find("Too many open files"), std::string::npos) << r[1].reason;
  EXPECT_EQ(r[2].status, he::ExecStatus::kFailed);
  EXPECT_EQ(r[2].reason, "MemoryError");
  EXPECT_EQ(r[3].status, he::ExecStatus::kPassed) << r[3].reason;
  EXPECT_EQ(r[3].stdout_tail.substr(0, 7), "(0, 0) ");
  if (box.isolation().uid_drop) {
    EXPECT_EQ(r[3].stdout_tail, "(0, 0) (32, 32)\n");
  }
}

TEST(HumanEvalSandbox, CpuTimeLimit) {
  // The wall clock is far away: on a loaded machine one second of CPU can take several of wall
  // time, and the status and reason already say which limit ended the program.
  he::SandboxConfig c;
  c.timeout_s = 30.0;
  c.cpu_limit_s = 1.0;
  c.workers = 1;
  he::Sandbox box(c);
  auto r = box.run_one("while True:\n    pass\n");
  EXPECT_EQ(r.status, he::ExecStatus::kCrashed) << r.reason;
  EXPECT_NE(r.reason.find("CPU time limit (1 s) exceeded"), std::string::npos) << r.reason;
  EXPECT_GE(r.cpu_s, 0.95);
}

TEST(HumanEvalSandbox, ResultsComeBackInInputOrder) {
  const auto& box = th::quick_sandbox();
  std::vector<std::string> programs;
  for (int i = 0; i < 12; ++i)
    programs.push_back("import time\ntime.sleep(" + std::to_string((12 - i) % 4 * 0.02) + ")\nprint(" +
                       std::to_string(i) + ")\n");
  size_t calls = 0;
  auto r = box.run(programs, [&](size_t done, size_t total) {
    ++calls;
    EXPECT_LE(done, total);
  });
  EXPECT_EQ(calls, programs.size());
  for (int i = 0; i < 12; ++i) EXPECT_EQ(r[static_cast<size_t>(i)].stdout_tail, std::to_string(i) + "\n");
}

TEST(HumanEvalSandbox, ConcurrentCallersShareTheWorkers) {
  const auto& box = th::quick_sandbox();
  std::vector<std::thread> threads;
  std::atomic<int> passed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) passed += box.run_one("pass\n").passed();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), 12);
}

TEST(HumanEvalSandbox, SandboxesClaimDisjointUids) {
  if (geteuid() != 0) GTEST_SKIP() << "uids are claimed only when running as root";
  const auto& a = th::quick_sandbox();
  he::SandboxConfig c;
  c.workers = 3;
  he::Sandbox b(c);
  ASSERT_EQ(a.uids().size(), 2u);
  ASSERT_EQ(b.uids().size(), 3u);
  std::set<uint32_t> all(a.uids().begin(), a.uids().end());
  all.insert(b.uids().begin(), b.uids().end());
  EXPECT_EQ(all.size(), 5u);
  for (uint32_t uid : all) {
    EXPECT_GE(uid, c.uid_base);
    EXPECT_LT(uid, c.uid_base + c.uid_range);
  }
}

TEST(HumanEvalSandbox, UidsThatOwnProcessesAreSkipped) {
  if (geteuid() != 0) GTEST_SKIP() << "uids are claimed only when running as root";
  he::SandboxConfig c;
  c.workers = 2;
  c.uid_base = 1879048192u + 0x7e00u;  // a range no other test uses
  const uint32_t busy = c.uid_base;
  pid_t child = fork();
  if (child == 0) {
    if (setresgid(busy, busy, busy) == 0 && setresuid(busy, busy, busy) == 0) pause();
    _exit(1);
  }
  ASSERT_GT(child, 0);
  for (int i = 0; i < 100; ++i) {  // wait until the child runs as that uid
    std::ifstream in("/proc/" + std::to_string(child) + "/status");
    std::string line;
    bool switched = false;
    while (std::getline(in, line))
      if (line.rfind("Uid:", 0) == 0) switched = std::strtoul(line.c_str() + 4, nullptr, 10) == busy;
    if (switched) break;
    usleep(10000);
  }
  std::vector<uint32_t> uids;
  std::vector<std::string> notes;
  {
    he::Sandbox box(c);
    uids = box.uids();
    notes = box.isolation().notes;
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_EQ(uids, (std::vector<uint32_t>{busy + 1, busy + 2}));
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("own processes"), std::string::npos) << notes[0];
}

TEST(HumanEvalSandbox, ReadOnlyFileSystemBothWays) {
  // mount_setattr over the whole tree, and the per-mount fallback for older kernels.
  const std::string program =
      "import errno\n"
      "refused = 0\n"
      "for path in ('/tmp/engram-he-ro-probe', '/dev/shm/engram-he-ro-probe', '/var/tmp/engram-he-ro-probe'):\n"
      "    try:\n"
      "        open(path, 'w').write('x')\n"
      "    except OSError as e:\n"
      "        refused += e.errno in (errno.EROFS, errno.EACCES)\n"
      "open('mine.txt', 'w').write('own directory stays writable')\n"
      "assert refused == 3, refused\n";
  for (bool recursive : {true, false}) {
    he::SandboxConfig c;
    c.workers = 1;
    c.recursive_readonly = recursive;
    he::Sandbox box(c);
    if (!box.isolation().readonly_fs) GTEST_SKIP() << "no read-only mount namespace here: " << box.isolation().to_json();
    EXPECT_EQ(box.isolation().readonly_recursive, recursive) << box.isolation().to_json();
    auto r = box.run_one(program);
    EXPECT_EQ(r.status, he::ExecStatus::kPassed) << "recursive=" << recursive << ": " << r.reason;
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/engram-he-ro-probe"));
  EXPECT_FALSE(std::filesystem::exists("/dev/shm/engram-he-ro-probe"));
  EXPECT_FALSE(std::filesystem::exists("/var/tmp/engram-he-ro-probe"));
}
