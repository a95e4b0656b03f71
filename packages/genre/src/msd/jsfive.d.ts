// Types for the parts of jsfive 0.4.2 (pinned) that the MSD reader uses. jsfive ships plain JS;
// only File, Group, Dataset and Filters are exported, so the low-level pieces (DataObjects: object
// header messages, filter pipeline) are reached through Group/Dataset instances.

declare module 'jsfive' {
  /** One object-header message as jsfive records it (a Map of parsed header fields). */
  export type JsfiveMessage = Map<'type' | 'size' | 'flags' | 'offset_to_message', number>;

  /** One filter of a filter-pipeline message (versions 1 and 2). */
  export type JsfiveFilterInfo = Map<string, unknown> & {
    get(key: 'filter_id'): number;
    get(key: 'client_data'): number[];
    get(key: 'optional'): boolean | undefined;
    get(key: 'flags'): number | undefined;
  };

  /** jsfive's parsed object header (a group or dataset). */
  export interface DataObjects {
    readonly fh: ArrayBuffer;
    readonly offset: number;
    readonly msgs: JsfiveMessage[];
    readonly is_dataset: boolean;
    /** null when the object has no filter pipeline message. Throws a string on unknown versions. */
    readonly filter_pipeline: JsfiveFilterInfo[] | null;
    find_msg_type(type: number): JsfiveMessage[];
    get_attributes(): Record<string, unknown>;
  }

  export class Group {
    readonly name: string;
    readonly keys: string[];
    /** Link name -> object header address (hard link) or target path (soft link). */
    readonly _links: Record<string, number | string>;
    readonly attrs: Record<string, unknown>;
    readonly _dataobjects: DataObjects;
    /** Throws a bare string when `name` is missing. */
    get(name: string): Group | Dataset | null;
  }

  export class File extends Group {
    constructor(fh: ArrayBuffer, filename?: string);
    readonly filename: string;
  }

  export class Dataset {
    readonly name: string;
    readonly _dataobjects: DataObjects;
  }

  export const Filters: Map<number, (buf: ArrayBuffer, itemsize: number, clientData?: number[]) => ArrayBuffer>;
}
