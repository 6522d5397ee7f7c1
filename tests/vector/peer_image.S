/* vector-peer's ELF inside the suite, which starts copies of it (tests/vector/CMakeLists.txt). */
    .section .rodata
    .balign 16
    .globl vector_peer_elf, vector_peer_elf_end
vector_peer_elf:
    .incbin VECTOR_PEER_PATH
vector_peer_elf_end:
