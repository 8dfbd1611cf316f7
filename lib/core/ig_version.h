#ifndef IG_VERSION_H
#define IG_VERSION_H
#define IG_VERSION "0.1.0"
#endif
