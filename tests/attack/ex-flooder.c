#include <vos/vos.h>
int main(const struct vos_start_info *si) { (void)si; return 0; }
