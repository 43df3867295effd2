// Dragging a file out on macOS: an NSDraggingSession with a file promise
// (NSFilePromiseProvider, macOS 10.12), so the drop target gets the file only once
// it is written. Built by cgo for drag_darwin.go, with ARC (-fobjc-arc).
//
// As Electron's webContents.startDrag does (shell/browser/ui/drag_util_mac.mm), the
// drag starts on the main thread from the window's view with a synthesized
// left-mouse-dragged event at the pointer, since the real one went to the webview.

#import <Cocoa/Cocoa.h>
#import <CoreServices/CoreServices.h>
#include <stdlib.h>

#include "drag_darwin.h"

// The size of the dragged icon, in points.
static const CGFloat kIconSize = 48;

// fileTypeOf is the UTI of the file at path, by its extension: one conforming to
// public.data, as NSFilePromiseProvider requires (it throws otherwise).
static NSString *fileTypeOf(NSString *path) {
// UTType (macOS 11) would need the UniformTypeIdentifiers framework, which Wails'
// 10.13 deployment target cannot link unconditionally; these are deprecated in 12.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
	CFStringRef uti = UTTypeCreatePreferredIdentifierForTag(kUTTagClassFilenameExtension,
		(__bridge CFStringRef)path.pathExtension, kUTTypeData);
	if (uti != NULL && !UTTypeConformsTo(uti, kUTTypeData)) {
		CFRelease(uti);
		uti = NULL;
	}
#pragma clang diagnostic pop
	return uti != NULL ? (NSString *)CFBridgingRelease(uti) : @"public.data";
}

// LLMTapFileDrag is one drag: its dragging source and the delegate of its file promise.
// It keeps itself alive from the start of the drag until the drag ended and, after a
// drop, the promised file was written. It owns the Go drag's handle, which it never
// changes and releases when it is deallocated: the promise is written on a queue of
// its own, which must never read a handle the main thread has just released.
@interface LLMTapFileDrag : NSObject <NSDraggingSource, NSFilePromiseProviderDelegate>
- (instancetype)initWithPath:(NSString *)path handle:(uintptr_t)h;
- (NSString *)begin;
@end

@implementation LLMTapFileDrag {
	NSString *_path;
	uintptr_t _h; // the Go drag, released in dealloc
	NSOperationQueue *_queue;
	LLMTapFileDrag *_keepAlive;
	__weak NSView *_pressed; // the view that had the press: the webview
	// Main thread only.
	BOOL _ended, _dropped, _written, _finished;
}

- (instancetype)initWithPath:(NSString *)path handle:(uintptr_t)h {
	if ((self = [super init])) {
		_path = [path copy];
		_h = h;
		_queue = [[NSOperationQueue alloc] init];
		_queue.qualityOfService = NSQualityOfServiceUserInitiated;
	}
	return self;
}

- (void)dealloc {
	llmtapMacDragEnd(_h);
}

// begin starts the drag; on the main thread. It returns nil, or why the drag did not begin.
- (NSString *)begin {
	if (([NSEvent pressedMouseButtons] & 1) == 0) {
		return @"the mouse button was released before the drag began";
	}
	NSWindow *window = NSApp.keyWindow ?: NSApp.mainWindow;
	NSView *view = window.contentView;
	if (view == nil) {
		return @"llmtap has no window to drag from";
	}
	NSPoint inWindow = window.mouseLocationOutsideOfEventStream;
	NSPoint inView = [view convertPoint:inWindow fromView:nil];
	if (view.superview != nil) { // hitTest: takes the point in the superview's coordinates
		_pressed = [view hitTest:[view.superview convertPoint:inWindow fromView:nil]];
	}
	NSTimeInterval now = NSApp.currentEvent != nil ? NSApp.currentEvent.timestamp
	                                               : NSProcessInfo.processInfo.systemUptime;
	NSEvent *event = [NSEvent mouseEventWithType:NSEventTypeLeftMouseDragged
	                                    location:inWindow
	                               modifierFlags:0
	                                   timestamp:now
	                                windowNumber:window.windowNumber
	                                     context:nil
	                                 eventNumber:0
	                                  clickCount:1
	                                    pressure:1.0];

	NSDraggingSession *session = nil;
	@try { // an exception here would end the app
		NSFilePromiseProvider *provider = [[NSFilePromiseProvider alloc] initWithFileType:fileTypeOf(_path)
		                                                                         delegate:self];
		NSDraggingItem *item = [[NSDraggingItem alloc] initWithPasteboardWriter:provider];
		NSImage *icon = [[NSWorkspace sharedWorkspace] iconForFile:_path];
		[item setDraggingFrame:NSMakeRect(inView.x - kIconSize / 2, inView.y - kIconSize / 2, kIconSize, kIconSize)
		              contents:icon];
		session = [view beginDraggingSessionWithItems:@[ item ] event:event source:self];
	} @catch (NSException *e) {
		return [NSString stringWithFormat:@"AppKit would not begin the drag: %@", e.reason];
	}
	if (session == nil) {
		return @"AppKit would not begin the drag";
	}
	session.animatesToStartingPositionsOnCancelOrFail = YES;
	_keepAlive = self;
	return nil;
}

// finish lets the drag go once nothing can ask for the file any more; on the main
// thread. The handle goes with the last reference (dealloc).
- (void)finish {
	if (!_ended || (_dropped && !_written) || _finished) {
		return;
	}
	_finished = YES;
	_keepAlive = nil;
}

#pragma mark NSDraggingSource

- (NSDragOperation)draggingSession:(NSDraggingSession *)session
    sourceOperationMaskForDraggingContext:(NSDraggingContext)context {
	// Dropped on llmtap itself, the file would only be loaded into the page.
	return context == NSDraggingContextOutsideApplication ? NSDragOperationCopy : NSDragOperationNone;
}

- (void)draggingSession:(NSDraggingSession *)session
           endedAtPoint:(NSPoint)screenPoint
              operation:(NSDragOperation)operation {
	// The session took the button's release from the webview, which would go on
	// selecting text under the pointer as if the button were still down.
	NSView *pressed = _pressed;
	NSWindow *window = pressed.window;
	if (window != nil) {
		NSEvent *up = [NSEvent mouseEventWithType:NSEventTypeLeftMouseUp
		                                 location:window.mouseLocationOutsideOfEventStream
		                            modifierFlags:0
		                                timestamp:NSProcessInfo.processInfo.systemUptime
		                             windowNumber:window.windowNumber
		                                  context:nil
		                              eventNumber:0
		                               clickCount:1
		                                 pressure:0];
		[pressed mouseUp:up];
	}
	_ended = YES;
	_dropped = operation != NSDragOperationNone;
	[self finish];
}

#pragma mark NSFilePromiseProviderDelegate

- (NSString *)filePromiseProvider:(NSFilePromiseProvider *)provider fileNameForType:(NSString *)fileType {
	return _path.lastPathComponent;
}

// Off the main thread: writing the promise waits for the export.
- (NSOperationQueue *)operationQueueForFilePromiseProvider:(NSFilePromiseProvider *)provider {
	return _queue;
}

- (void)filePromiseProvider:(NSFilePromiseProvider *)provider
          writePromiseToURL:(NSURL *)url
          completionHandler:(void (^)(NSError *errorOrNil))completionHandler {
	NSError *err = nil;
	char *msg = llmtapMacDragFile(_h); // waits until the file is written
	if (msg != NULL) {
		NSString *reason = [NSString stringWithUTF8String:msg] ?: @"the export failed";
		free(msg);
		err = [NSError errorWithDomain:@"llmtap" code:1 userInfo:@{NSLocalizedDescriptionKey : reason}];
	} else {
		[[NSFileManager defaultManager] copyItemAtURL:[NSURL fileURLWithPath:_path] toURL:url error:&err];
	}
	completionHandler(err);
	dispatch_async(dispatch_get_main_queue(), ^{
		self->_written = YES;
		[self finish];
	});
}

@end

void llmtapMacDragStart(const char *path, uintptr_t h) {
	@autoreleasepool {
		NSString *p = [NSString stringWithUTF8String:path];
		dispatch_async(dispatch_get_main_queue(), ^{
			if (!llmtapMacDragClaim(h)) {
				llmtapMacDragEnd(h); // Go gave up waiting: its caller removed the file
				return;
			}
			if (p == nil) {
				llmtapMacDragBegun(h, "the path is not UTF-8");
				llmtapMacDragEnd(h);
				return;
			}
			// The drag owns h from here: a drag that did not begin releases it with the
			// object, at the end of this block, after Go has heard why.
			// Precise lifetime: ARC may otherwise release it right after its last use,
			// before llmtapMacDragBegun has used the handle.
			LLMTapFileDrag *drag __attribute__((objc_precise_lifetime)) =
				[[LLMTapFileDrag alloc] initWithPath:p handle:h];
			NSString *err = [drag begin];
			llmtapMacDragBegun(h, err == nil ? NULL : (char *)err.UTF8String);
		});
	}
}
