/** The packed package installed by fresh host apps (`*.pack-spec.ts`): minutes of npm install, kept out of `npm test`. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/package'],
  testRegex: '\\.pack-spec\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testTimeout: 300000,
};
