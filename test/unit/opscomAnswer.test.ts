import { classifyOpscomAnswer } from '../../src/opscom/opscomAnswer';

describe('classifyOpscomAnswer', () => {
  const rows: Array<[string, number, string, 'ok' | 'transient' | 'operator' | 'permanent']> = [
    ['success', 200, '{"status":"success","reference_id":"R-1","InternalReferenceID":"77"}', 'ok'],
    [
      'success with numeric ids',
      200,
      '{"status":"success","reference_id":42,"InternalReferenceID":7}',
      'ok',
    ],
    ['success without InternalReferenceID', 201, '{"status":"success","reference_id":"R-1"}', 'ok'],
    ['"success" without reference_id', 200, '{"status":"success"}', 'transient'],
    [
      '9001 with HTTP 200',
      200,
      '{"ErrorCode":9001,"ErrorMessage":"API token is missing"}',
      'operator',
    ],
    ['9002 with HTTP 401', 401, '{"ErrorCode":9002,"ErrorMessage":"no permission"}', 'operator'],
    ['9003', 200, '{"ErrorCode":9003,"ErrorMessage":"could not be parsed"}', 'permanent'],
    ['9022 duplicate', 200, '{"ErrorCode":"9022","ErrorMessage":"exists"}', 'permanent'],
    ['9033', 400, '{"ErrorCode":9033}', 'permanent'],
    ['an unknown code', 200, '{"ErrorCode":9500,"ErrorMessage":"busy"}', 'transient'],
    ['HTTP 500 with an ErrorCode', 500, '{"ErrorCode":9006}', 'transient'],
    ['HTTP 502 HTML', 502, '<html>Bad gateway</html>', 'transient'],
    ['an empty body', 200, '', 'transient'],
    ['JSON of another shape', 200, '{"ok":true}', 'transient'],
    // Success is only "status":"success": another status naming a reference is not a permit.
    [
      '"status":"error" with a reference_id',
      200,
      '{"status":"error","reference_id":"R-1"}',
      'transient',
    ],
    [
      '"status":"failed" with an ErrorCode',
      200,
      '{"status":"failed","reference_id":"R-1","ErrorCode":9006}',
      'permanent',
    ],
  ];
  test.each(rows)('%s → %s', (_name, status, body, expected) => {
    const answer = classifyOpscomAnswer(status, body);
    expect(answer.ok ? 'ok' : answer.error.kind).toBe(expected);
  });

  test('a success gives the references as text', () => {
    expect(
      classifyOpscomAnswer(200, '{"status":"success","reference_id":42,"InternalReferenceID":7}'),
    ).toEqual({
      ok: true,
      result: { referenceId: '42', internalReferenceId: '7' },
    });
  });

  test("a refused token names the variable it comes from (a site's own, with several)", () => {
    const body = '{"ErrorCode":9002,"ErrorMessage":"no permission"}';
    const message = (answer: ReturnType<typeof classifyOpscomAnswer>) =>
      answer.ok ? '' : answer.error.message;
    expect(message(classifyOpscomAnswer(401, body))).toMatch(/until OPSCOM_API_TOKEN is fixed/);
    expect(message(classifyOpscomAnswer(401, body, 'OPSCOM_TOKEN_NORTH'))).toMatch(
      /until OPSCOM_TOKEN_NORTH is fixed/,
    );
  });
});
