/**
 * A structural check of SARIF 2.1.0 logs: the required properties, types,
 * enumerations and numeric bounds the OASIS schema sets on the objects lint
 * writes, plus a whitelist of property names per object (stricter than the
 * schema). No schema package is available offline, so this stands in for a
 * JSON-schema validation; it returns every problem with its JSON path.
 */

type Json = unknown;

const LEVELS = ['none', 'note', 'warning', 'error'];

class Checker {
  readonly problems: string[] = [];

  object(value: Json, path: string, allowed: readonly string[], required: readonly string[] = []): Record<string, Json> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problems.push(`${path}: must be an object`);
      return undefined;
    }
    const record = value as Record<string, Json>;
    for (const key of required) if (!(key in record)) this.problems.push(`${path}: missing required property ${key}`);
    for (const key of Object.keys(record)) if (!allowed.includes(key)) this.problems.push(`${path}: unexpected property ${key}`);
    return record;
  }

  array(value: Json, path: string): Json[] {
    if (!Array.isArray(value)) {
      this.problems.push(`${path}: must be an array`);
      return [];
    }
    return value;
  }

  string(value: Json, path: string, choices?: readonly string[]): void {
    if (typeof value !== 'string') this.problems.push(`${path}: must be a string`);
    else if (choices && !choices.includes(value)) this.problems.push(`${path}: ${value} is not one of ${choices.join(', ')}`);
  }

  integer(value: Json, path: string, minimum: number): void {
    if (!Number.isInteger(value) || (value as number) < minimum) this.problems.push(`${path}: must be an integer >= ${minimum}`);
  }

  message(value: Json, path: string): void {
    const message = this.object(value, path, ['text', 'markdown', 'id', 'arguments', 'properties']);
    if (message && message.text === undefined && message.id === undefined) this.problems.push(`${path}: needs text or id`);
    if (message?.text !== undefined) this.string(message.text, `${path}.text`);
  }

  location(value: Json, path: string, withId: boolean): void {
    const allowed = ['id', 'physicalLocation', 'logicalLocations', 'message', 'annotations', 'relationships', 'properties'];
    const location = this.object(value, path, allowed);
    if (!location) return;
    if (location.id !== undefined) this.integer(location.id, `${path}.id`, -1);
    else if (withId) this.problems.push(`${path}: related locations need an id`);
    if (location.message !== undefined) this.message(location.message, `${path}.message`);
    const physical = this.object(location.physicalLocation, `${path}.physicalLocation`, ['address', 'artifactLocation', 'region', 'contextRegion', 'properties']);
    if (!physical) return;
    const artifact = this.object(physical.artifactLocation, `${path}.physicalLocation.artifactLocation`, ['uri', 'uriBaseId', 'index', 'description', 'properties']);
    if (artifact) {
      this.string(artifact.uri, `${path}.physicalLocation.artifactLocation.uri`);
      if (typeof artifact.uri === 'string' && /[\s\\]/.test(artifact.uri)) this.problems.push(`${path}: uri is not a URI reference`);
    }
    const region = this.object(physical.region, `${path}.physicalLocation.region`, ['startLine', 'startColumn', 'endLine', 'endColumn', 'charOffset', 'charLength', 'byteOffset', 'byteLength', 'snippet', 'message', 'sourceLanguage', 'properties']);
    if (!region) return;
    this.integer(region.startLine, `${path}.region.startLine`, 1);
    for (const key of ['startColumn', 'endLine', 'endColumn']) if (region[key] !== undefined) this.integer(region[key], `${path}.region.${key}`, 1);
    if ((region.endLine as number) < (region.startLine as number)) this.problems.push(`${path}: region ends before it starts`);
  }
}

/** sarifProblems lists what makes a value an invalid SARIF 2.1.0 log (empty when it is valid). */
export function sarifProblems(log: Json): string[] {
  const check = new Checker();
  const root = check.object(log, '$', ['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'], ['version', 'runs']);
  if (!root) return check.problems;
  check.string(root.version, '$.version', ['2.1.0']);
  if (root.$schema !== undefined) check.string(root.$schema, '$.$schema');
  check.array(root.runs, '$.runs').forEach((value, r) => {
    const path = `$.runs[${r}]`;
    const runKeys = ['tool', 'results', 'columnKind', 'invocations', 'artifacts', 'originalUriBaseIds', 'properties', 'language', 'automationDetails'];
    const run = check.object(value, path, runKeys, ['tool']);
    if (!run) return;
    if (run.columnKind !== undefined) check.string(run.columnKind, `${path}.columnKind`, ['utf16CodeUnits', 'unicodeCodePoints']);
    const tool = check.object(run.tool, `${path}.tool`, ['driver', 'extensions', 'properties'], ['driver']);
    const driverKeys = ['name', 'version', 'semanticVersion', 'fullName', 'informationUri', 'rules', 'notifications', 'organization', 'properties'];
    const driver = tool && check.object(tool.driver, `${path}.tool.driver`, driverKeys, ['name']);
    if (!driver) return;
    check.string(driver.name, `${path}.tool.driver.name`);
    const rules = check.array(driver.rules ?? [], `${path}.tool.driver.rules`);
    const ids: string[] = [];
    rules.forEach((ruleValue, i) => {
      const rulePath = `${path}.tool.driver.rules[${i}]`;
      const ruleKeys = ['id', 'name', 'shortDescription', 'fullDescription', 'help', 'helpUri', 'defaultConfiguration', 'properties', 'messageStrings'];
      const rule = check.object(ruleValue, rulePath, ruleKeys, ['id']);
      if (!rule) return;
      check.string(rule.id, `${rulePath}.id`);
      ids.push(rule.id as string);
      if (rule.shortDescription !== undefined) check.message(rule.shortDescription, `${rulePath}.shortDescription`);
      const configuration = rule.defaultConfiguration === undefined ? undefined : check.object(rule.defaultConfiguration, `${rulePath}.defaultConfiguration`, ['enabled', 'level', 'rank', 'parameters', 'properties']);
      if (configuration?.level !== undefined) check.string(configuration.level, `${rulePath}.defaultConfiguration.level`, LEVELS);
    });
    if (new Set(ids).size !== ids.length) check.problems.push(`${path}: rule ids repeat`);
    check.array(run.results ?? [], `${path}.results`).forEach((resultValue, i) => {
      const resultPath = `${path}.results[${i}]`;
      const resultKeys = ['ruleId', 'ruleIndex', 'rule', 'kind', 'level', 'message', 'locations', 'relatedLocations', 'suppressions', 'partialFingerprints', 'fingerprints', 'properties'];
      const result = check.object(resultValue, resultPath, resultKeys, ['message']);
      if (!result) return;
      check.message(result.message, `${resultPath}.message`);
      if (result.level !== undefined) check.string(result.level, `${resultPath}.level`, LEVELS);
      if (result.ruleIndex !== undefined) {
        check.integer(result.ruleIndex, `${resultPath}.ruleIndex`, -1);
        if (ids[result.ruleIndex as number] !== result.ruleId) check.problems.push(`${resultPath}: ruleIndex does not point at ruleId`);
      }
      check.array(result.locations ?? [], `${resultPath}.locations`).forEach((l, k) => check.location(l, `${resultPath}.locations[${k}]`, false));
      check.array(result.relatedLocations ?? [], `${resultPath}.relatedLocations`).forEach((l, k) => check.location(l, `${resultPath}.relatedLocations[${k}]`, true));
      check.array(result.suppressions ?? [], `${resultPath}.suppressions`).forEach((s, k) => {
        const suppression = check.object(s, `${resultPath}.suppressions[${k}]`, ['guid', 'kind', 'status', 'justification', 'location', 'properties'], ['kind']);
        if (!suppression) return;
        check.string(suppression.kind, `${resultPath}.suppressions[${k}].kind`, ['inSource', 'external']);
        if (suppression.status !== undefined) check.string(suppression.status, `${resultPath}.suppressions[${k}].status`, ['accepted', 'underReview', 'rejected']);
        if (suppression.justification !== undefined) check.string(suppression.justification, `${resultPath}.suppressions[${k}].justification`);
      });
    });
  });
  return check.problems;
}
