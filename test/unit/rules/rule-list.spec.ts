import { RuleList, type Rule } from '../../../lib/rules/index.js';

const list = (...rules: Rule[]) =>
  new RuleList({ kind: 'pattern', id: '^/x', label: 'pattern "^/x"' }, rules, { algorithm: 'fixed-window' });
/** The selected rule as its index in the list, or -1 when none is selected. */
const selected = (rules: RuleList, group: string, method: string) => {
  const rule = rules.select(group, method);
  return rule === undefined ? -1 : rules.rules.indexOf(rule);
};

describe('RuleList.select', () => {
  it('takes the FIRST rule of the caller group', () => {
    const rules = list({ minute: 1 }, { minute: 5 }, { group: 'admin', minute: 9 }, { group: 'admin' });
    expect(selected(rules, 'default', 'GET')).toBe(0);
    expect(selected(rules, 'admin', 'GET')).toBe(2);
  });

  it('selects nothing for a group without a rule', () => {
    const rules = list({ group: 'admin', second: 1 });
    expect(selected(rules, 'default', 'GET')).toBe(-1);
    expect(selected(rules, 'Admin', 'GET')).toBe(-1); // groups are case-sensitive
  });

  it("group '*' is selected for any group no earlier rule selected (a catch-all)", () => {
    const rules = list({ second: 1 }, { group: 'admin' }, { group: '*', minute: 2 });
    expect(selected(rules, 'default', 'GET')).toBe(0);
    expect(selected(rules, 'admin', 'GET')).toBe(1);
    expect(selected(rules, 'unknown-claim', 'GET')).toBe(2);
    expect(selected(rules, '*', 'GET')).toBe(2);
    const first = list({ group: '*', method: 'POST', minute: 2 }, { group: 'admin' });
    expect(selected(first, 'admin', 'POST')).toBe(0); // list order decides, as for any rule
    expect(selected(first, 'admin', 'GET')).toBe(1);
    expect(selected(first, 'other', 'GET')).toBe(-1);
  });

  it("a rule without a group is the 'default' group's", () => {
    const rules = list({ group: 'default', second: 1 }, { second: 2 });
    expect(selected(rules, 'default', 'GET')).toBe(0);
  });

  it("matches the method or '*', in list order", () => {
    const rules = list({ method: 'get', second: 1 }, { method: 'POST', minute: 2 }, { hour: 3 });
    expect(selected(rules, 'default', 'GET')).toBe(0);
    expect(selected(rules, 'default', 'POST')).toBe(1);
    expect(selected(rules, 'default', 'PUT')).toBe(2);
    expect(selected(rules, 'default', 'DELETE')).toBe(2);
    const starFirst = list({ hour: 3 }, { method: 'get', second: 1 });
    expect(selected(starFirst, 'default', 'GET')).toBe(0);
  });

  it('compares methods case-insensitively (rules are upper-cased)', () => {
    const rules = list({ method: 'pAtCh', second: 1 });
    expect(rules.rules[0].method).toBe('PATCH');
    expect(selected(rules, 'default', 'PATCH')).toBe(0);
  });

  it('a GET rule covers HEAD (routed to GET handlers), not the other way round', () => {
    const rules = list({ method: 'get', second: 1 }, { method: 'head', minute: 1 });
    expect(selected(rules, 'default', 'HEAD')).toBe(0);
    const headOnly = list({ method: 'head', second: 1 });
    expect(selected(headOnly, 'default', 'HEAD')).toBe(0);
    expect(selected(headOnly, 'default', 'GET')).toBe(-1);
  });

  it('selects a rule without limits (the group is exempt from this list)', () => {
    const rules = list({ second: 1 }, { group: 'admin' });
    expect(rules.select('admin', 'GET')?.limits).toEqual([]);
  });

  it('answers the same on repeated calls (memoised) and per group and method', () => {
    const rules = list({ method: 'get', second: 1 }, { group: 'admin', minute: 1 });
    for (let i = 0; i < 3; i++) {
      expect(selected(rules, 'default', 'GET')).toBe(0);
      expect(selected(rules, 'default', 'POST')).toBe(-1);
      expect(selected(rules, 'admin', 'POST')).toBe(1);
    }
  });
});
