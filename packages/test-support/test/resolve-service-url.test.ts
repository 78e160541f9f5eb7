import { resolveServiceUrl } from '../src/local-services';

// Reachability is faked: the order of resolution is under test, not the network.
const USER = 'redis://:hunter22@127.0.0.1:7000';
const DEFAULT = 'redis://127.0.0.1:6379';
const LOCAL = 'redis://127.0.0.1:56379';

function resolve(answering: string[], userUrl: string | undefined = USER) {
  const messages: string[] = [];
  const startLocal = jest.fn(async () => LOCAL);
  const result = resolveServiceUrl({
    label: 'Redis',
    variable: 'REDIS_URL',
    userUrl,
    defaultUrl: DEFAULT,
    isReachable: async (url) => answering.includes(url),
    startLocal,
    progress: (message) => messages.push(message),
  });
  return { result, startLocal, messages };
}

test("the user's URL when it answers, even when the conventional server answers too", async () => {
  const { result, startLocal } = resolve([USER, DEFAULT]);
  await expect(result).resolves.toEqual({ url: USER, source: 'environment' });
  expect(startLocal).not.toHaveBeenCalled();
});

test("the conventional server when the user's URL does not answer, saying so", async () => {
  const { result, startLocal, messages } = resolve([DEFAULT]);
  await expect(result).resolves.toEqual({ url: DEFAULT, source: 'default' });
  expect(startLocal).not.toHaveBeenCalled();
  expect(messages.join('\n')).toMatch(/REDIS_URL .* does not answer/);
});

test('the conventional server when no URL was exported', async () => {
  const { result } = resolve([DEFAULT], undefined);
  await expect(result).resolves.toEqual({ url: DEFAULT, source: 'default' });
});

test('a private server only when nothing else answers', async () => {
  const { result, startLocal } = resolve([]);
  await expect(result).resolves.toEqual({ url: LOCAL, source: 'local' });
  expect(startLocal).toHaveBeenCalledTimes(1);
});

test('messages never show a password', async () => {
  const { result, messages } = resolve([]);
  await result;
  expect(messages.join('\n')).not.toContain('hunter22');
  expect(messages.join('\n')).toContain('redis://:***@127.0.0.1:7000');
});
