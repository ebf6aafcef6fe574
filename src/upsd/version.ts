// hardnut's version, as the build (scripts/build.mjs) defines it; '0.0.0-dev' when run from source.
declare const HARDNUT_VERSION: string;
export const HARDNUT_VERSION_STRING: string = typeof HARDNUT_VERSION === 'string' ? HARDNUT_VERSION : '0.0.0-dev';
