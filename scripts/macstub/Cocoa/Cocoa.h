// Just enough of AppKit/Foundation to syntax-check drag_darwin.m on Linux.
#include <stdint.h>
#include <stddef.h>
typedef signed char BOOL;
#define YES ((BOOL)1)
#define NO ((BOOL)0)
typedef double CGFloat;
typedef double NSTimeInterval;
typedef unsigned long NSUInteger;
typedef long NSInteger;
typedef struct { CGFloat x, y; } NSPoint;
typedef struct { CGFloat width, height; } NSSize;
typedef struct { NSPoint origin; NSSize size; } NSRect;
static inline NSRect NSMakeRect(CGFloat x, CGFloat y, CGFloat w, CGFloat h) { NSRect r = {{x, y}, {w, h}}; return r; }
typedef NSUInteger NSDragOperation;
enum { NSDragOperationNone = 0, NSDragOperationCopy = 1 };
typedef NSInteger NSDraggingContext;
enum { NSDraggingContextOutsideApplication = 0, NSDraggingContextWithinApplication = 1 };
typedef NSUInteger NSEventType;
enum { NSEventTypeLeftMouseUp = 2, NSEventTypeLeftMouseDragged = 6 };
typedef NSUInteger NSEventModifierFlags;
typedef NSInteger NSQualityOfService;
enum { NSQualityOfServiceUserInitiated = 0x19 };
typedef const struct __CFString *CFStringRef;
typedef const void *CFTypeRef;
void CFRelease(CFTypeRef cf);
#define nil ((id)0)
__attribute__((objc_root_class))
@interface NSObject { Class isa; }
+ (instancetype)alloc;
- (instancetype)init;
@end
@protocol NSObject
@end
@class NSString, NSError, NSURL, NSDictionary, NSArray;
id CFBridgingRelease(CFTypeRef X);
@interface NSString : NSObject
+ (instancetype)stringWithUTF8String:(const char *)s;
+ (instancetype)stringWithFormat:(NSString *)f, ...;
@property (readonly) NSString *pathExtension;
@property (readonly) NSString *lastPathComponent;
@property (readonly) const char *UTF8String;
- (id)copy;
@end
@interface NSArray : NSObject
+ (instancetype)arrayWithObjects:(const id[])objects count:(NSUInteger)cnt;
@end
@interface NSDictionary : NSObject
+ (instancetype)dictionaryWithObjects:(const id[])objects forKeys:(const id[])keys count:(NSUInteger)cnt;
@end
@interface NSException : NSObject
@property (readonly) NSString *reason;
@end
@interface NSError : NSObject
+ (instancetype)errorWithDomain:(NSString *)d code:(NSInteger)c userInfo:(NSDictionary *)u;
@end
extern NSString *const NSLocalizedDescriptionKey;
@interface NSURL : NSObject
+ (instancetype)fileURLWithPath:(NSString *)p;
@end
@interface NSFileManager : NSObject
+ (NSFileManager *)defaultManager;
- (BOOL)copyItemAtURL:(NSURL *)a toURL:(NSURL *)b error:(NSError **)e;
@end
@interface NSOperationQueue : NSObject
@property NSQualityOfService qualityOfService;
@end
@interface NSProcessInfo : NSObject
+ (NSProcessInfo *)processInfo;
@property (readonly) NSTimeInterval systemUptime;
@end
@class NSWindow, NSGraphicsContext;
@interface NSEvent : NSObject
+ (NSUInteger)pressedMouseButtons;
+ (NSEvent *)mouseEventWithType:(NSEventType)t location:(NSPoint)l modifierFlags:(NSEventModifierFlags)f
    timestamp:(NSTimeInterval)ts windowNumber:(NSInteger)w context:(NSGraphicsContext *)c eventNumber:(NSInteger)n
    clickCount:(NSInteger)cc pressure:(float)p;
@property (readonly) NSTimeInterval timestamp;
@end
@class NSDraggingSession, NSDraggingItem;
@protocol NSDraggingSource
- (NSDragOperation)draggingSession:(NSDraggingSession *)session sourceOperationMaskForDraggingContext:(NSDraggingContext)context;
@optional
- (void)draggingSession:(NSDraggingSession *)session endedAtPoint:(NSPoint)p operation:(NSDragOperation)o;
@end
@interface NSView : NSObject
@property (readonly) NSView *superview;
@property (readonly) NSWindow *window;
- (NSPoint)convertPoint:(NSPoint)p fromView:(NSView *)v;
- (NSView *)hitTest:(NSPoint)p;
- (NSDraggingSession *)beginDraggingSessionWithItems:(NSArray *)items event:(NSEvent *)e source:(id<NSDraggingSource>)s;
- (void)mouseUp:(NSEvent *)e;
@end
@interface NSWindow : NSObject
@property (readonly) NSView *contentView;
@property (readonly) NSPoint mouseLocationOutsideOfEventStream;
@property (readonly) NSInteger windowNumber;
@end
@interface NSApplication : NSObject
@property (readonly) NSWindow *keyWindow;
@property (readonly) NSWindow *mainWindow;
@property (readonly) NSEvent *currentEvent;
@end
extern NSApplication *NSApp;
@interface NSImage : NSObject
@end
@interface NSWorkspace : NSObject
+ (NSWorkspace *)sharedWorkspace;
- (NSImage *)iconForFile:(NSString *)p;
@end
@protocol NSPasteboardWriting
@end
@class NSFilePromiseProvider;
@protocol NSFilePromiseProviderDelegate
- (NSString *)filePromiseProvider:(NSFilePromiseProvider *)p fileNameForType:(NSString *)t;
- (void)filePromiseProvider:(NSFilePromiseProvider *)p writePromiseToURL:(NSURL *)u completionHandler:(void (^)(NSError *e))h;
@optional
- (NSOperationQueue *)operationQueueForFilePromiseProvider:(NSFilePromiseProvider *)p;
@end
@interface NSFilePromiseProvider : NSObject <NSPasteboardWriting>
- (instancetype)initWithFileType:(NSString *)t delegate:(id<NSFilePromiseProviderDelegate>)d;
@end
@interface NSDraggingItem : NSObject
- (instancetype)initWithPasteboardWriter:(id<NSPasteboardWriting>)w;
- (void)setDraggingFrame:(NSRect)f contents:(id)c;
@end
@interface NSDraggingSession : NSObject
@property BOOL animatesToStartingPositionsOnCancelOrFail;
@end
typedef struct dispatch_queue_s *dispatch_queue_t;
dispatch_queue_t dispatch_get_main_queue(void);
void dispatch_async(dispatch_queue_t q, void (^block)(void));
