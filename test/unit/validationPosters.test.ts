import { validationPosters } from '../../src/verify/verifyServices';

describe("Plate Validation's connection pools", () => {
  it('are one per origin: endpoints on one host share it, another host has its own', () => {
    const posterFor = validationPosters();
    const shared = posterFor(new URL('https://service.ops-com.com/api/v1/validate/plate'));
    expect(posterFor(new URL('https://service.ops-com.com/other/validate?x=1'))).toBe(shared);
    expect(posterFor(new URL('https://validate.north.example.com/api/v1/validate/plate'))).not.toBe(
      shared,
    );
    expect(posterFor(new URL('http://service.ops-com.com/api/v1/validate/plate'))).not.toBe(shared);
  });
});
