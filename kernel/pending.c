/*
 * pending.c — syscalls whose kernel objects are not written yet.  Each
 * answers NotSupported, the spec's error for it, so the ABI is complete
 * and callers learn the truth.  Each function moves to its object's file
 * when its issue lands: memory (#5), processes/threads (#5), IPC (#6),
 * capability_create (#4), nanosleep (#5).
 */
#include "syscall_handlers.h"

#define PENDING(...) (void)self; return VOS_ERR_NOT_SUPPORTED

long sys_ipc_endpoint_create(struct thread *self, struct vos_endpoint_create_result *result)
{ (void)result; PENDING(); }
long sys_ipc_channel_create(struct thread *self, vos_endpoint_t endpoint1, vos_endpoint_t endpoint2, struct cap *cap1,
                            struct cap *cap2, vos_channel_t *result)
{ (void)endpoint1; (void)endpoint2; (void)cap1; (void)cap2; (void)result; PENDING(); }
long sys_ipc_send(struct thread *self, vos_channel_t channel_id, user_in_t message, uint64_t message_len,
                  struct cap *capability, struct cap *channel_cap)
{ (void)channel_id; (void)message; (void)message_len; (void)capability; (void)channel_cap; PENDING(); }
long sys_ipc_receive(struct thread *self, vos_endpoint_t endpoint_id, user_out_t buffer, uint64_t buffer_len,
                     uint64_t timeout_ns, struct cap *endpoint_cap, struct vos_ipc_receive_result *result)
{ (void)endpoint_id; (void)buffer; (void)buffer_len; (void)timeout_ns; (void)endpoint_cap; (void)result; PENDING(); }
long sys_ipc_call(struct thread *self, vos_channel_t channel_id, user_in_t request, uint64_t request_len,
                  user_out_t response, uint64_t response_len, uint64_t timeout_ns, struct cap *capability,
                  struct cap *channel_cap, struct vos_ipc_call_result *result)
{ (void)channel_id; (void)request; (void)request_len; (void)response; (void)response_len; (void)timeout_ns;
  (void)capability; (void)channel_cap; (void)result; PENDING(); }
long sys_ipc_reply(struct thread *self, struct cap *reply_token, user_in_t response, uint64_t response_len,
                   struct cap *capability)
{ (void)reply_token; (void)response; (void)response_len; (void)capability; PENDING(); }
