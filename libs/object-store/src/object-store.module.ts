// Nest wiring for the object store: a service that reads or writes S3 imports
// ObjectStoreModule.forRoot(options) once.
import { type DynamicModule, Module } from '@nestjs/common';
import { OBJECT_STORE_OPTIONS, ObjectStore, type ObjectStoreOptions } from './object-store';

@Module({})
export class ObjectStoreModule {
  static forRoot(options: ObjectStoreOptions): DynamicModule {
    return {
      module: ObjectStoreModule,
      providers: [{ provide: OBJECT_STORE_OPTIONS, useValue: options }, ObjectStore],
      exports: [ObjectStore],
    };
  }
}
