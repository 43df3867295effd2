package desktop

/*
#cgo pkg-config: gtk+-3.0
#include <stdint.h>
#include <stdlib.h>
#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/gdkx.h>
#endif

extern char *llmtapDragURI(uintptr_t h);
extern int llmtapDragBegun(uintptr_t h, char *err);
extern void llmtapDragEnded(uintptr_t h);

// One drag: its Go handle and the invisible widget it is dragged from.
typedef struct {
	uintptr_t h;
	GtkWidget *src;
} llmtapDrag;

// drag-data-get: the drop target asks for the file, at drop time. Waiting for it
// blocks the GTK loop, as a selection has to be answered from within this handler.
static void llmtap_drag_data_get(GtkWidget *w, GdkDragContext *c, GtkSelectionData *sel,
		guint info, guint time, gpointer p) {
	llmtapDrag *d = p;
	char *uri = llmtapDragURI(d->h);
	if (uri == NULL) {
		return; // not written: the target gets no data and the drop fails
	}
	gchar *uris[] = {uri, NULL};
	gtk_selection_data_set_uris(sel, uris);
	free(uri);
}

static gboolean llmtap_drag_failed(GtkWidget *w, GdkDragContext *c, GtkDragResult result, gpointer p) {
	g_debug("llmtap drag failed: result %d (1 no target, 2 canceled by the user)", result);
	return TRUE; // no slide-back animation
}

static gboolean llmtap_drag_free(gpointer p) {
	llmtapDrag *d = p;
	gtk_widget_destroy(d->src);
	llmtapDragEnded(d->h);
	g_free(d);
	return G_SOURCE_REMOVE;
}

static void llmtap_drag_end(GtkWidget *w, GdkDragContext *c, gpointer p) {
	llmtapDrag *d = p;
	g_debug("llmtap drag ended");
	// The source may still be in use by GTK within this signal.
	g_idle_add(llmtap_drag_free, d);
}

// llmtap_drag_begin runs on the GTK thread: it starts the drag of the Go drag p with
// the mouse button that is held now, and tells Go whether it began.
static gboolean llmtap_drag_begin(gpointer p) {
	uintptr_t h = (uintptr_t)p;
	GdkDisplay *display = gdk_display_get_default();
	if (display == NULL) {
		llmtapDragBegun(h, "no display");
		return G_SOURCE_REMOVE;
	}
#ifdef GDK_WINDOWING_X11
	if (!GDK_IS_X11_DISPLAY(display)) {
#else
	if (TRUE) {
#endif
		// Not tried on Wayland, where a drag has to start from the surface that holds
		// the press (the webview), not a private source: refuse rather than start a
		// drag that may go nowhere.
		llmtapDragBegun(h, "dragging files out works on X11 only (run with GDK_BACKEND=x11)");
		return G_SOURCE_REMOVE;
	}
	GdkDevice *pointer = gdk_seat_get_pointer(gdk_display_get_default_seat(display));
	GdkModifierType state = 0;
	gdk_device_get_state(pointer, gdk_screen_get_root_window(gdk_display_get_default_screen(display)), NULL, &state);
	if (!(state & GDK_BUTTON1_MASK)) {
		llmtapDragBegun(h, "the mouse button was released before the drag began");
		return G_SOURCE_REMOVE;
	}
	llmtapDrag *d = g_new0(llmtapDrag, 1);
	d->h = h;
	// A private source: the webview's own drag-data-get would answer for its HTML drag.
	d->src = gtk_invisible_new();
	g_signal_connect(d->src, "drag-data-get", G_CALLBACK(llmtap_drag_data_get), d);
	g_signal_connect(d->src, "drag-failed", G_CALLBACK(llmtap_drag_failed), d);
	g_signal_connect(d->src, "drag-end", G_CALLBACK(llmtap_drag_end), d);
	GtkTargetList *targets = gtk_target_list_new(NULL, 0);
	gtk_target_list_add_uri_targets(targets, 0);
	// No event: GTK takes the default seat's pointer and grabs it from the webview.
	GdkDragContext *c = gtk_drag_begin_with_coordinates(d->src, targets, GDK_ACTION_COPY, 1, NULL, -1, -1);
	gtk_target_list_unref(targets);
	if (c == NULL) {
		llmtapDragBegun(h, "could not grab the pointer for the drag");
		d->h = 0;
		llmtap_drag_free(d);
		return G_SOURCE_REMOVE;
	}
	gtk_drag_set_icon_name(c, "text-x-generic", 0, 0);
	if (!llmtapDragBegun(h, NULL)) {
		gtk_drag_cancel(c); // Go gave up waiting; drag-end frees d
	}
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
	"sync/atomic"
	"time"
	"unsafe"
)

// linuxDrag is a fileDrag and how its start went.
type linuxDrag struct {
	fileDrag
	begun  chan error
	gaveUp atomic.Bool // startFileDrag stopped waiting for the GTK thread
}

// startFileDrag drags path out with GTK 3 on X11 (see drag.go for the contract): on
// the GTK thread it begins a drag of text/uri-list from a private GtkInvisible, which
// grabs the pointer from the webview that had the press, and answers the drop
// target's request with the file:// URI once ready said nil.
func startFileDrag(path string, ready <-chan error) error {
	d := &linuxDrag{fileDrag: fileDrag{path: path, ready: ready}, begun: make(chan error, 1)}
	h := cgo.NewHandle(d)
	C.llmtap_drag_start(C.uintptr_t(h))
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case err := <-d.begun:
		return err
	case <-t.C:
		// The GTK thread is busy; should it start the drag later, it cancels it.
		d.gaveUp.Store(true)
		return errors.New("the window did not answer within 10 s")
	}
}

func dragOf(h C.uintptr_t) *linuxDrag { return cgo.Handle(h).Value().(*linuxDrag) }

//export llmtapDragBegun
func llmtapDragBegun(h C.uintptr_t, msg *C.char) C.int {
	d := dragOf(h)
	if msg != nil {
		d.begun <- errors.New(C.GoString(msg))
		cgo.Handle(h).Delete()
		return 0
	}
	d.begun <- nil
	if d.gaveUp.Load() {
		return 0
	}
	return 1
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
