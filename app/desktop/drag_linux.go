package desktop

/*
#cgo pkg-config: gtk+-3.0
#include <stdint.h>
#include <stdlib.h>
#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_WAYLAND
#include <gdk/gdkwayland.h>
#endif

extern char *llmtapDragURI(uintptr_t h);
extern int llmtapDragAnswered(uintptr_t h);
extern int llmtapDragClaim(uintptr_t h);
extern void llmtapDragBegun(uintptr_t h, char *err);
extern void llmtapDragEnded(uintptr_t h);

// One drag: its Go handle, the window it is dragged from, the handlers on it, and
// its drag context once begun (the window may see other drags' signals too).
typedef struct {
	uintptr_t h;
	GtkWidget *src;
	GdkDragContext *context;
	gulong handlers[3];
	int waiting;       // drag-data-get calls waiting for the file in a nested loop
	gboolean ended;    // drag-end came while one was: it frees d when done
} llmtapDrag;

// How many drops wait for their file in a nested loop: no new drag begins meanwhile.
static int answering = 0;

// How many of our drags are under way (begun, not yet freed): 0 or 1, as a pointer
// drags one thing at a time.
static int dragging = 0;

// llmtap_event sees every GDK event before GTK does (gdk_event_handler_set, installed
// with the first drag on Wayland): while one of our drags is under way, our own window
// takes no part in it as a drop site, so it never answers the compositor about it.
//
// It did, through the webview's drop site: GTK answers each drag motion it processes
// with wl_data_offer.set_actions, even one it processes after the compositor said the
// drag left (a window busy writing a large export is late). Mutter 43 applies a
// request on an offer that is no longer the current one to the drag all the same: a
// late "no action" after the drop target's "copy" cancelled the release that followed
// (the drop was lost). Answering "copy" instead is no cure: one that comes before the
// target's own keeps Mutter from telling the target the action, and the target's
// finish is then a protocol error that disconnects it. With no answer from us, the
// drag over our window is refused as before (nothing accepted, no action), and
// nothing late can reach the compositor.
//
// The context leaves the event along with its reference: after this handler GDK sends
// a status for the context the event holds (_gdk_event_emit), unless none is left.
static void llmtap_event(GdkEvent *event, gpointer p) {
	if (dragging > 0) {
		switch (event->type) {
		case GDK_DRAG_ENTER:
		case GDK_DRAG_MOTION:
		case GDK_DRAG_LEAVE:
			g_clear_object(&event->dnd.context);
			return;
		default:
			break; // a drop (GDK_DROP_START) is never sent us, as we never accept
		}
	}
	gtk_main_do_event(event);
}

static void llmtap_keep_out_of_own_drags(GdkDisplay *display) {
#ifdef GDK_WINDOWING_WAYLAND
	static gboolean installed = FALSE;
	if (!installed && GDK_IS_WAYLAND_DISPLAY(display)) {
		gdk_event_handler_set(llmtap_event, NULL, NULL); // GTK's own handler is called from it
		installed = TRUE;
	}
#endif
}

static gboolean llmtap_drag_free(gpointer p);

static gboolean llmtap_tick(gpointer p) {
	return G_SOURCE_CONTINUE;
}

// drag-data-get: the drop target asks for the file, at drop time. A selection has to
// be answered from within this handler, so a file still being written is waited for
// here, in a nested loop.
static void llmtap_drag_data_get(GtkWidget *w, GdkDragContext *c, GtkSelectionData *sel,
		guint info, guint time, gpointer p) {
	llmtapDrag *d = p;
	if (c != d->context) {
		return;
	}
	if (!llmtapDragAnswered(d->h)) {
		// Dropped before the file is complete: wait for it with the loop running, so the
		// window keeps painting and answering the compositor's pings (a blocked loop is
		// "not responding" within seconds), waking every 50 ms to look again.
		d->waiting++;
		answering++;
		guint tick = g_timeout_add(50, llmtap_tick, NULL);
		while (!llmtapDragAnswered(d->h)) {
			g_main_context_iteration(NULL, TRUE);
		}
		g_source_remove(tick);
		answering--;
		d->waiting--;
	}
	char *uri = llmtapDragURI(d->h); // answered: does not block
	if (uri != NULL) { // else not written: the target gets no data and the drop fails
		gchar *uris[] = {uri, NULL};
		gtk_selection_data_set_uris(sel, uris);
		free(uri);
	}
	if (d->waiting == 0 && d->ended) {
		d->ended = FALSE; // freed once, even if another request came meanwhile
		g_idle_add(llmtap_drag_free, d); // the drag ended while this waited
	}
}

static gboolean llmtap_drag_failed(GtkWidget *w, GdkDragContext *c, GtkDragResult result, gpointer p) {
	llmtapDrag *d = p;
	if (c != d->context) {
		return FALSE;
	}
	g_debug("llmtap drag failed: result %d (1 no target, 2 canceled by the user)", result);
	return TRUE; // no slide-back animation
}

static gboolean llmtap_drag_free(gpointer p) {
	llmtapDrag *d = p;
	if (d->context != NULL) {
		dragging--;
	}
	for (int i = 0; i < 3; i++) {
		if (d->handlers[i] != 0) {
			g_signal_handler_disconnect(d->src, d->handlers[i]);
		}
	}
	g_object_unref(d->src);
	llmtapDragEnded(d->h);
	g_free(d);
	return G_SOURCE_REMOVE;
}

static void llmtap_drag_end(GtkWidget *w, GdkDragContext *c, gpointer p) {
	llmtapDrag *d = p;
	if (c != d->context) {
		return;
	}
	g_debug("llmtap drag ended");
	if (d->waiting > 0) {
		d->ended = TRUE; // llmtap_drag_data_get still waits for the file: it frees d
		return;
	}
	// GTK may still use the handlers' closures within this signal.
	g_idle_add(llmtap_drag_free, d);
}

// llmtap_drag_window is the toplevel window under the pointer, whose webview has the
// press: the drag starts from it. On Wayland it must, as the compositor takes a drag
// only from the surface that holds the button's implicit grab, with that press's serial
// (GDK sends the latest one). On X11 GTK grabs the pointer from it.
static GtkWidget *llmtap_drag_window(GdkDevice *pointer) {
	GdkWindow *under = gdk_device_get_window_at_position(pointer, NULL, NULL);
	if (under == NULL) {
		return NULL;
	}
	gpointer widget = NULL;
	gdk_window_get_user_data(gdk_window_get_toplevel(under), &widget);
	if (widget == NULL || !GTK_IS_WINDOW(widget)) {
		return NULL;
	}
	return widget;
}

// llmtap_drag_begin runs on the GTK thread: it starts the drag of the Go drag p with
// the mouse button that is held now, and tells Go whether it began.
static gboolean llmtap_drag_begin(gpointer p) {
	uintptr_t h = (uintptr_t)p;
	if (!llmtapDragClaim(h)) {
		return G_SOURCE_REMOVE; // Go stopped waiting: the drag must not start late
	}
	GdkDisplay *display = gdk_display_get_default();
	if (display == NULL) {
		llmtapDragBegun(h, "no display");
		return G_SOURCE_REMOVE;
	}
	if (answering > 0) {
		llmtapDragBegun(h, "the last drop is still waiting for its file");
		return G_SOURCE_REMOVE;
	}
	GdkDevice *pointer = gdk_seat_get_pointer(gdk_display_get_default_seat(display));
	GtkWidget *window = llmtap_drag_window(pointer);
	if (window == NULL) {
		llmtapDragBegun(h, "the pointer is not over the window");
		return G_SOURCE_REMOVE;
	}
	GdkModifierType state = 0;
	gdk_device_get_state(pointer, gtk_widget_get_window(window), NULL, &state);
	if (!(state & GDK_BUTTON1_MASK)) {
		llmtapDragBegun(h, "the mouse button was released before the drag began");
		return G_SOURCE_REMOVE;
	}
	llmtapDrag *d = g_new0(llmtapDrag, 1);
	d->h = h;
	d->src = g_object_ref(window);
	// The window, not the webview within it: the webview's handlers answer its HTML drags.
	d->handlers[0] = g_signal_connect(window, "drag-data-get", G_CALLBACK(llmtap_drag_data_get), d);
	d->handlers[1] = g_signal_connect(window, "drag-failed", G_CALLBACK(llmtap_drag_failed), d);
	d->handlers[2] = g_signal_connect(window, "drag-end", G_CALLBACK(llmtap_drag_end), d);
	GtkTargetList *targets = gtk_target_list_new(NULL, 0);
	gtk_target_list_add_uri_targets(targets, 0);
	// No event: GTK takes the default seat's pointer and the current event's time.
	d->context = gtk_drag_begin_with_coordinates(window, targets, GDK_ACTION_COPY, 1, NULL, -1, -1);
	gtk_target_list_unref(targets);
	if (d->context == NULL) {
		llmtapDragBegun(h, "could not grab the pointer for the drag");
		d->h = 0;
		llmtap_drag_free(d);
		return G_SOURCE_REMOVE;
	}
	dragging++;
	llmtap_keep_out_of_own_drags(display);
	gtk_drag_set_icon_name(d->context, "text-x-generic", 0, 0);
	llmtapDragBegun(h, NULL);
	return G_SOURCE_REMOVE;
}

static void llmtap_drag_start(uintptr_t h) {
	g_main_context_invoke(NULL, llmtap_drag_begin, (gpointer)h);
}
*/
import "C"

import (
	"errors"
	"runtime/cgo"
	"unsafe"
)

// linuxDrag is a fileDrag and its hand-off to the GTK thread.
type linuxDrag struct {
	fileDrag
	start *handoff
}

// startFileDrag drags path out with GTK 3, on X11 and Wayland alike (see drag.go for
// the contract): on the GTK thread it begins a drag of text/uri-list from the window
// whose webview had the press, and answers the drop target's request with the
// file:// URI once ready said nil; a drop made before that waits in a nested main
// loop, so the window keeps working meanwhile.
func startFileDrag(path string, ready <-chan error) error {
	d := &linuxDrag{fileDrag: fileDrag{path: path, ready: ready}, start: newHandoff()}
	h := cgo.NewHandle(d)
	C.llmtap_drag_start(C.uintptr_t(h))
	return d.start.wait(dragPickup)
}

func dragOf(h C.uintptr_t) *linuxDrag { return cgo.Handle(h).Value().(*linuxDrag) }

// llmtapDragClaim is called on the GTK thread before it starts the drag: 0 if
// startFileDrag gave up waiting, so the drag must not start (and h is done with).
//
//export llmtapDragClaim
func llmtapDragClaim(h C.uintptr_t) C.int {
	if !dragOf(h).start.claim() {
		cgo.Handle(h).Delete()
		return 0
	}
	return 1
}

// llmtapDragBegun reports a claimed drag's start: nil msg if it began, else why not.
//
//export llmtapDragBegun
func llmtapDragBegun(h C.uintptr_t, msg *C.char) {
	d := dragOf(h)
	if msg != nil {
		d.start.done(errors.New(C.GoString(msg)))
		cgo.Handle(h).Delete()
		return
	}
	d.start.done(nil)
}

//export llmtapDragAnswered
func llmtapDragAnswered(h C.uintptr_t) C.int {
	if dragOf(h).answered() {
		return 1
	}
	return 0
}

//export llmtapDragURI
func llmtapDragURI(h C.uintptr_t) *C.char {
	d := dragOf(h)
	if err := d.wait(); err != nil {
		return nil
	}
	cpath := C.CString(d.path)
	defer C.free(unsafe.Pointer(cpath))
	var gerr *C.GError
	uri := C.g_filename_to_uri(cpath, nil, &gerr)
	if uri == nil {
		C.g_error_free(gerr)
		return nil
	}
	defer C.g_free(C.gpointer(uri))
	return C.CString(C.GoString(uri))
}

//export llmtapDragEnded
func llmtapDragEnded(h C.uintptr_t) {
	if h != 0 {
		cgo.Handle(h).Delete()
	}
}
