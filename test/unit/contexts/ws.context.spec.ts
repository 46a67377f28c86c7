import { handshakeRequest } from '../../../lib/contexts/ws.context.js';

describe('WebSocket handshake as a request', () => {
  const socketIo = (handshake: object, request: object = {}) => ({ handshake, request });

  it("socket.io: the handshake's headers and peer address; the request's other fields (session) show through", () => {
    const view = handshakeRequest(
      socketIo({ headers: { 'x-real-ip': '203.0.113.1' }, address: '10.0.0.2' }, { session: { user: 'ann' } }),
    );
    expect(view.headers).toEqual({ 'x-real-ip': '203.0.113.1' });
    expect(view.socket.remoteAddress).toBe('10.0.0.2');
    expect(view.session).toEqual({ user: 'ann' });
  });

  it('socket.io: handshake.auth.token is the bearer token unless an Authorization header is sent', () => {
    expect(handshakeRequest(socketIo({ headers: {}, auth: { token: 'abc' } })).headers.authorization).toBe(
      'Bearer abc',
    );
    expect(handshakeRequest(socketIo({ headers: {}, auth: { token: 'Bearer abc' } })).headers.authorization).toBe(
      'Bearer abc',
    );
    const both = socketIo({ headers: { authorization: 'Bearer header' }, auth: { token: 'abc' } });
    expect(handshakeRequest(both).headers.authorization).toBe('Bearer header');
  });

  it('ws: only the peer socket when the upgrade request was not seen', () => {
    const socket = { remoteAddress: '192.0.2.5' };
    expect(handshakeRequest({ _socket: socket, readyState: 1 })).toEqual({ headers: {}, socket, method: 'GET' });
  });
});
