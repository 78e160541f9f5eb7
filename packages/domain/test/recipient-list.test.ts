import { parseAddress, type ParsedAddress } from '../src/emails/parse-address';
import { recipientList } from '../src/emails/recipient-list';

function parsed(...raws: string[]): ParsedAddress[] {
  return raws.map((raw) => {
    const p = parseAddress(raw);
    if ('error' in p) throw new Error(p.error);
    return p;
  });
}

describe('recipientList: one row per address, in the most visible field', () => {
  test('keeps to, cc, bcc order and kinds when nothing repeats', () => {
    expect(recipientList({ to: parsed('a@x.test'), cc: parsed('b@x.test'), bcc: parsed('c@x.test') })).toEqual([
      { address: 'a@x.test', name: null, kind: 'to' },
      { address: 'b@x.test', name: null, kind: 'cc' },
      { address: 'c@x.test', name: null, kind: 'bcc' },
    ]);
  });

  test('to beats cc beats bcc, whichever list is written first', () => {
    const list = recipientList({
      to: parsed('both@x.test', 'all@x.test'),
      cc: parsed('all@x.test', 'both@x.test', 'ccbcc@x.test'),
      bcc: parsed('ccbcc@x.test', 'all@x.test'),
    });
    expect(list.map((r) => [r.address, r.kind])).toEqual([
      ['both@x.test', 'to'],
      ['all@x.test', 'to'],
      ['ccbcc@x.test', 'cc'],
    ]);
  });

  test('duplicates within one list are kept once, the first occurrence (and its name) wins', () => {
    const list = recipientList({ to: parsed('Bob <bob@x.test>', 'Robert <BOB@X.test>', 'bob@x.test'), cc: [], bcc: [] });
    expect(list).toEqual([{ address: 'bob@x.test', name: 'Bob', kind: 'to' }]);
  });

  test('addresses equal after normalisation (case, IDN) are one recipient', () => {
    const list = recipientList({
      to: parsed('user@bücher.de'),
      cc: parsed('USER@xn--bcher-kva.de'),
      bcc: parsed('User@BÜCHER.de'),
    });
    expect(list).toEqual([{ address: 'user@xn--bcher-kva.de', name: null, kind: 'to' }]);
  });

  test('the first spelling of an address is the one kept, whatever case the later ones use', () => {
    const list = recipientList({ to: parsed('Bob.Smith@x.test'), cc: parsed('bob.smith@X.TEST'), bcc: parsed('BOB.SMITH@x.test') });
    expect(list).toEqual([{ address: 'Bob.Smith@x.test', name: null, kind: 'to' }]);
  });

  test('no recipients at all gives an empty list', () => {
    expect(recipientList({ to: [], cc: [], bcc: [] })).toEqual([]);
  });
});
