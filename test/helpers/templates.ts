import type { TaskTemplate, TemplateParam } from '../../src/core/template.js';

/** A template with harmless defaults; a test names only what it is about. */
export const testTemplate = (
  fields: Partial<TaskTemplate> & Pick<TaskTemplate, 'name'>,
): TaskTemplate => ({
  description: '',
  triggers: [],
  params: [],
  host: null,
  argv: ['true'],
  riskByEnvironment: {},
  idempotent: false,
  timeoutS: null,
  expectedOutputs: [],
  notes: '',
  steps: [],
  ...fields,
});

export const testParam = (
  fields: Partial<TemplateParam> & Pick<TemplateParam, 'name'>,
): TemplateParam => ({
  type: 'string',
  required: false,
  default: null,
  values: null,
  description: null,
  ...fields,
});
