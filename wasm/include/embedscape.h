/* embedscape.h — the engine's public C interface: the status type and every stage's header.
 * Each stage lives in wasm/src/<stage>.{h,c} with a create/run/free lifecycle; see the header of the
 * stage for its basic usage. */
#ifndef EMBEDSCAPE_H
#define EMBEDSCAPE_H

#include "status.h"

#endif
