#include "runtime/seccomp_profile.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace berth {
namespace {

enum class Arch { kAny, kX86, kArm };

struct ArgCheck {
  unsigned index;
  uint64_t value;
  uint64_t valueTwo;
  const char* op;
};

// One rule of the table: who gets it, and what happens to the names.
struct Group {
  std::vector<std::string_view> names;
  std::string_view cap = "";  // needs this capability ("" = everyone) ...
  bool unlessCap = false;     // ... or, when true, applies only WITHOUT it
  Arch arch = Arch::kAny;
  int errnoRet = 0;  // 0 = allow; else fail with this errno
  std::vector<ArgCheck> args = {};
};

constexpr uint64_t kNamespaceCloneFlags =
    0x7E020000;  // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
constexpr uint64_t kAfVsock = 40;
constexpr int kEnosys = 38;

const std::vector<Group>& table() {
  // A paragraph per group reads better than clang-format's one name per line.
  // clang-format off
  static const std::vector<Group> kTable = {
      // Files, directories, descriptors and I/O.
      {{"access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "chmod", "fchmod",
        "fchmodat", "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown",
        "lchown32", "close", "close_range", "creat", "open", "openat", "openat2", "dup", "dup2",
        "dup3", "fcntl", "fcntl64", "flock", "fsync", "fdatasync", "syncfs", "sync",
        "sync_file_range", "fallocate", "fadvise64", "fadvise64_64", "readahead", "ftruncate",
        "ftruncate64", "truncate", "truncate64", "getdents", "getdents64", "link", "linkat",
        "symlink", "symlinkat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir",
        "mkdirat", "rmdir", "mknod", "mknodat", "readlink", "readlinkat", "stat", "stat64", "lstat",
        "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat", "statx", "statfs", "statfs64",
        "fstatfs", "fstatfs64", "umask", "utime", "utimes", "utimensat", "utimensat_time64",
        "futimesat", "lseek", "_llseek", "read", "readv", "pread64", "preadv", "preadv2", "write",
        "writev", "pwrite64", "pwritev", "pwritev2", "sendfile", "sendfile64", "splice", "tee",
        "vmsplice", "copy_file_range", "ioctl", "name_to_handle_at", "getxattr", "lgetxattr",
        "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr", "llistxattr", "flistxattr",
        "removexattr", "lremovexattr", "fremovexattr", "inotify_init", "inotify_init1",
        "inotify_add_watch", "inotify_rm_watch", "fanotify_mark", "memfd_create", "memfd_secret",
        "pipe", "pipe2", "cachestat"}},
      // Waiting for descriptors and events.
      {{"select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64",
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait",
        "epoll_wait_old", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd",
        "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_settime64", "timerfd_gettime",
        "timerfd_gettime64", "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents",
        "io_pgetevents", "io_pgetevents_time64"}},
      // Memory.
      {{"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
        "mlock", "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages", "membarrier",
        "pkey_alloc", "pkey_free", "pkey_mprotect", "map_shadow_stack"}},
      // Processes, threads, identities and limits.
      {{"execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4", "waitid", "waitpid",
        "getpid", "getppid", "gettid", "getpgid", "getpgrp", "setpgid", "getsid", "setsid",
        "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
        "getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32",
        "setuid", "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid",
        "setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32", "setfsuid",
        "setfsuid32", "setfsgid", "setfsgid32", "setgroups", "setgroups32", "capget", "capset",
        "prctl", "getrlimit", "ugetrlimit", "setrlimit", "prlimit64", "getrusage", "getpriority",
        "setpriority", "ioprio_get", "ioprio_set", "sched_yield", "sched_getaffinity",
        "sched_setaffinity", "sched_getattr", "sched_setattr", "sched_getparam", "sched_setparam",
        "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
        "sched_get_priority_min", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "set_tid_address", "set_robust_list", "get_robust_list", "get_thread_area",
        "set_thread_area", "rseq", "futex", "futex_time64", "futex_waitv", "futex_wake",
        "futex_wait", "futex_requeue", "getcpu", "uname", "sysinfo", "getrandom", "seccomp",
        "restart_syscall", "pidfd_open", "pidfd_send_signal", "process_mrelease",
        "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"}},
      // Since Linux 4.8 ptrace can no longer be used to get around seccomp,
      // so docker allows tracing one's own processes; so does berth.
      {{"ptrace", "process_vm_readv", "process_vm_writev"}},
      // Signals.
      {{"kill", "tkill", "tgkill", "pause", "rt_sigaction", "rt_sigprocmask", "rt_sigpending",
        "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
        "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "sigprocmask", "sigreturn"}},
      // Clocks and timers (reading them; setting needs CAP_SYS_TIME below).
      {{"time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres",
        "clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "alarm",
        "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun",
        "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "times", "adjtimex",
        "clock_adjtime", "clock_adjtime64"}},
      // Sockets (socket itself: see the AF_VSOCK rule).
      {{"accept", "accept4", "bind", "connect", "listen", "getsockname", "getpeername",
        "getsockopt", "setsockopt", "socketpair", "send", "sendto", "sendmsg", "sendmmsg", "recv",
        "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64", "shutdown", "socketcall"}},
      // System V and POSIX IPC (the container has its own IPC namespace).
      {{"ipc", "msgget", "msgctl", "msgsnd", "msgrcv", "semget", "semctl", "semop", "semtimedop",
        "semtimedop_time64", "shmget", "shmctl", "shmat", "shmdt", "mq_open", "mq_unlink",
        "mq_notify", "mq_getsetattr", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
        "mq_timedreceive_time64"}},
      // Sockets of any family but vsock, which reaches the host across namespaces.
      {{"socket"}, "", false, Arch::kAny, 0, {{0, kAfVsock, 0, "SCMP_CMP_NE"}}},
      // personality(2) only for the harmless personas: Linux, UNAME26, and query.
      {{"personality"}, "", false, Arch::kAny, 0, {{0, 0x0, 0, "SCMP_CMP_EQ"}}},
      {{"personality"}, "", false, Arch::kAny, 0, {{0, 0x0008, 0, "SCMP_CMP_EQ"}}},
      {{"personality"}, "", false, Arch::kAny, 0, {{0, 0x20000, 0, "SCMP_CMP_EQ"}}},
      {{"personality"}, "", false, Arch::kAny, 0, {{0, 0x20008, 0, "SCMP_CMP_EQ"}}},
      {{"personality"}, "", false, Arch::kAny, 0, {{0, 0xffffffff, 0, "SCMP_CMP_EQ"}}},
      // Architecture-specific calls.
      {{"arch_prctl", "modify_ldt"}, "", false, Arch::kX86},
      {{"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
        "set_tls"}, "", false, Arch::kArm},
      // Namespaces, mounts and the like: CAP_SYS_ADMIN.
      {{"clone", "clone3", "setns", "unshare", "mount", "mount_setattr", "umount", "umount2",
        "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "sethostname",
        "setdomainname", "fanotify_init", "lookup_dcookie", "quotactl", "quotactl_fd", "bpf",
        "perf_event_open", "syslog"}, "CAP_SYS_ADMIN"},
      // Without it: clone only without namespace flags, and clone3 (whose
      // flags seccomp cannot see) reports ENOSYS so libc falls back to clone.
      {{"clone"}, "CAP_SYS_ADMIN", true, Arch::kAny, 0,
       {{0, kNamespaceCloneFlags, 0, "SCMP_CMP_MASKED_EQ"}}},
      {{"clone3"}, "CAP_SYS_ADMIN", true, Arch::kAny, kEnosys},
      {{"open_by_handle_at"}, "CAP_DAC_READ_SEARCH"},
      {{"reboot"}, "CAP_SYS_BOOT"},
      {{"chroot"}, "CAP_SYS_CHROOT"},
      {{"init_module", "finit_module", "delete_module"}, "CAP_SYS_MODULE"},
      {{"acct"}, "CAP_SYS_PACCT"},
      {{"kcmp", "pidfd_getfd", "process_madvise"}, "CAP_SYS_PTRACE"},
      {{"iopl", "ioperm"}, "CAP_SYS_RAWIO"},
      {{"settimeofday", "stime", "clock_settime", "clock_settime64"}, "CAP_SYS_TIME"},
      {{"vhangup"}, "CAP_SYS_TTY_CONFIG"},
      {{"get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "mbind"}, "CAP_SYS_NICE"},
      {{"syslog"}, "CAP_SYSLOG"},
      {{"bpf"}, "CAP_BPF"},
      {{"perf_event_open"}, "CAP_PERFMON"},
  };
  // clang-format on
  return kTable;
}

#if defined(__x86_64__)
constexpr Arch kHostArch = Arch::kX86;
#elif defined(__aarch64__)
constexpr Arch kHostArch = Arch::kArm;
#else
constexpr Arch kHostArch = Arch::kAny;
#endif

nlohmann::json architectures() {
#if defined(__x86_64__)
  return {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
#elif defined(__aarch64__)
  return {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
#else
  return nlohmann::json::array();
#endif
}

}  // namespace

nlohmann::json defaultSeccompProfile(const std::vector<std::string>& capabilities) {
  auto has = [&](std::string_view cap) {
    return std::find(capabilities.begin(), capabilities.end(), cap) != capabilities.end();
  };
  nlohmann::json syscalls = nlohmann::json::array();
  // A name allowed outright once (bpf via CAP_SYS_ADMIN and CAP_BPF) is not
  // repeated, so the runtime never sees two identical rules.
  std::vector<std::string_view> allowed;
  for (const auto& g : table()) {
    if (g.arch != Arch::kAny && g.arch != kHostArch) {
      continue;
    }
    if (!g.cap.empty() && has(g.cap) == g.unlessCap) {
      continue;
    }
    nlohmann::json rule;
    rule["names"] = nlohmann::json::array();
    bool unconditional = g.errnoRet == 0 && g.args.empty();
    for (auto name : g.names) {
      if (unconditional) {
        if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) {
          continue;
        }
        allowed.push_back(name);
      }
      rule["names"].push_back(std::string(name));
    }
    if (rule["names"].empty()) {
      continue;
    }
    if (g.errnoRet == 0) {
      rule["action"] = "SCMP_ACT_ALLOW";
    } else {
      rule["action"] = "SCMP_ACT_ERRNO";
      rule["errnoRet"] = g.errnoRet;
    }
    for (const auto& a : g.args) {
      rule["args"].push_back(
          {{"index", a.index}, {"value", a.value}, {"valueTwo", a.valueTwo}, {"op", a.op}});
    }
    syscalls.push_back(std::move(rule));
  }
  return {
      {"defaultAction", "SCMP_ACT_ERRNO"},
      {"defaultErrnoRet", 1},  // EPERM
      {"architectures", architectures()},
      {"syscalls", std::move(syscalls)},
  };
}

}  // namespace berth
