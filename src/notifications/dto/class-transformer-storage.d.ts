// class-transformer ships the types of its metadata storage apart from the module (as @nestjs/mapped-types reads it).
declare module 'class-transformer/cjs/storage.js' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage.js';
}
