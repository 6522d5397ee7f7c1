# What the scripted shell session (session.txt, fed to the serial console)
# must print, in order; used by vos_shell_session_test in
# cmake/VosBootTests.cmake.  session.txt starts with an empty line: the
# first byte typed while the kernel boots may be lost, and an empty line
# losing it changes nothing.  (No ";" or quotes in these regexes: CMake
# lists would split or mangle them, "." stands in, and brackets must balance.)
set(VOS_EXPECT_SHELL_SESSION
  # help
  "vos> help" "run +PROGRAM \\[ARGS\\.\\.\\.\\] +start a boot-file program"
  # echo (the shell echoes what it reads, then the command's output)
  "vos> echo hello   from the shell" "^hello from the shell"
  # time: both clocks
  "monotonic: [0-9]+\\.[0-9]+ s since boot" "realtime: "
  # caps: token, type, rights
  "TOKEN +TYPE +RIGHTS" "0x[0-9a-f]+ +channel +-W-G-- +[0-9]+ +console" "memory +R--G-- +[0-9]+ +boot files"
  # ls
  "pingpong +[0-9]+ bytes"
  # IPC ping-pong between two processes, with its cost
  "pingpong: 200 round trips ok: [0-9]+ counter ticks, [0-9]+ ns each" "pingpong: server exited with code 0"
  "\\[pid [0-9]+ pingpong exited with code 0\\]"
  # derive and revoke
  "capdemo child: got region capability" "capdemo: the child is writing \\(counter >= 5\\). revoking"
  "capdemo child: write [0-9]+ failed: InvalidCapability" "capdemo: our own region still reads .*InvalidCapability"
  "\\[pid [0-9]+ capdemo exited with code 0\\]"
  # mmap + mprotect: the write to the read-only page kills only the demo
  "mmapdemo: first page now read-only. it still reads .first page.. RWX is refused: InvalidParameter"
  "\\[pid [0-9]+ mmapdemo killed: protection fault at 0x[0-9a-f]+\\]"
  # faults
  "\\[pid [0-9]+ crash killed: page fault at 0x8\\]" "\\[pid [0-9]+ crash killed: illegal instruction at 0x[0-9a-f]+\\]"
  # ps: processes and their states
  "PID +NAME +STATE" "shell +running \\(this shell\\)" "console +running \\(started by init\\)"
  "pingpong +exited with code 0" "mmapdemo +killed: protection fault" "crash +killed: illegal instruction"
  # bad commands and arguments: one line each, the shell carries on
  "shell: unknown command: frobnicate" "run: no such program: nosuchprogram" "run: usage: run PROGRAM"
  "caps: takes no arguments"
  # poweroff: the shell exits 0, init powers off with status 0
  "shell: powering off" "init: shell exited with code 0. powering off"
  "\\[kernel\\] process 1 \\(init\\) exited with code 0")
