export const LIST_KINDS = ['strategies', 'classifiers', 'features', 'sequences', 'topologies', 'workflows'] as const;
export type ListKind = (typeof LIST_KINDS)[number];
