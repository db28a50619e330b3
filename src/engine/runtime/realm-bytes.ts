// ArrayBuffers handed to a script: one made in Node's own realm is not `instanceof ArrayBuffer` inside the VU's
// vm context, as it is in k6 (`res.body instanceof ArrayBuffer` for responseType "binary", `open(f, 'b')`).

const ctors = new WeakMap<object, ArrayBufferConstructor>();

/**
 * Copies `bytes` into an ArrayBuffer of the realm that `jsonParse` (that realm's JSON.parse) belongs to. The
 * realm's own constructor is reached through an object it parses (its Object → its Function), so no other
 * handle on the context is needed.
 */
export function scriptArrayBuffer(jsonParse: (text: string) => unknown, bytes: Uint8Array): ArrayBuffer {
  let Ctor = ctors.get(jsonParse);
  if (!Ctor) {
    const RealmFunction = (jsonParse('{}') as object).constructor.constructor as FunctionConstructor;
    Ctor = RealmFunction('return ArrayBuffer')() as ArrayBufferConstructor;
    ctors.set(jsonParse, Ctor);
  }
  const out = new Ctor(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
