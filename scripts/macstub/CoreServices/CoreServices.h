extern CFStringRef kUTTagClassFilenameExtension;
extern CFStringRef kUTTypeData;
CFStringRef UTTypeCreatePreferredIdentifierForTag(CFStringRef c, CFStringRef t, CFStringRef conforming) __attribute__((deprecated));
BOOL UTTypeConformsTo(CFStringRef a, CFStringRef b) __attribute__((deprecated));
