// Dragging a file out on macOS: the Objective-C half of drag_darwin.go.
#ifndef LLMTAP_DRAG_DARWIN_H
#define LLMTAP_DRAG_DARWIN_H

#include <stdint.h>

// llmtapMacDragStart asks the main thread to start the drag of the file at path (UTF-8)
// and returns at once. The main thread claims the Go drag h (llmtapMacDragClaim),
// reports whether the drag began (llmtapMacDragBegun) and ends the handle once, when
// the drag no longer needs it (llmtapMacDragEnd, from the drag object's dealloc).
void llmtapMacDragStart(const char *path, uintptr_t h);

// Implemented in Go (drag_darwin.go).
extern int llmtapMacDragClaim(uintptr_t h);
extern void llmtapMacDragBegun(uintptr_t h, char *err);
extern char *llmtapMacDragFile(uintptr_t h);
extern void llmtapMacDragEnd(uintptr_t h);

#endif
