/* storage.h — init starts the storage stack (storage.c, docs/storage.md). */
#pragma once
#include <vos/vos.h>

/* The block driver and the file-system server; a channel (WRITE|GRANT) to the
 * server's read-write view of the whole volume, or {0} without storage.
 * `console` is granted to both; `report` is where init prints failures. */
vos_chan_t storage_start(const struct vos_start_info *si, const struct vos_bootfs *fs, vos_ep_t mine, vos_any_t self,
                         vos_mem_t pool, vos_any_t console, vos_console_t report);
