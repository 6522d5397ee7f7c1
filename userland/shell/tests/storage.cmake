# What the scripted storage session (storage.txt) must print, in order: the
# shell's file commands on the file-system server over the block driver
# (docs/storage.md).  Same rules as session.cmake.
set(VOS_EXPECT_STORAGE_SESSION
  "vos> df" "FAT16: [0-9]+ KiB total, [0-9]+ KiB free, 512-byte clusters"
  "vos> ls" "  .empty."
  "vos> cat hello.txt" "^hi there from the guest"
  "vos> ls docs/Long_Directory_Name_Here" "copy-of-hello.text +24 bytes"
  "vos> cat docs/Long_Directory_Name_Here/copy-of-hello.text" "^hi there from the guest"
  "vos> ls docs" "Long_Directory_Name_Here/" "moved.txt +24 bytes"
  "rm: docs: directory not empty"
  "cat: hello.txt: no such file or directory"
  "cat: docs/../../outside: outside the permitted directory"
  "mkdir: docs: exists"
  "\\[started hello-from-disk as pid [0-9]+\\]" "\\[pid [0-9]+ hello-from-disk exited with code 0\\]"
  "vos> ls" "  .empty."
  "shell: powering off" "init: shell exited with code 0. powering off")
