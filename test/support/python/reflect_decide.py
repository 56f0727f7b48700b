"""A stock Python gRPC client (Debian's python3-grpcio) that knows nothing of
parley's contract: it discovers the services a server reflects, loads their
descriptors into a fresh descriptor pool (protobuf's own validation), builds
the Decide request from JSON and calls it.

    python3 reflect_decide.py <host:port> ['<DecideRequest as JSON>']

With a request it also sends three copies of it (ids <id>-s0..2) over
DecideStream from a finite iterator, which ends the client's side at once.
Prints one JSON line: {"services": [...], "response": {...}, "stream_ids":
[...]} (only the services without a request), or exits non-zero with the
error.
"""
import json
import os
import subprocess
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
REFLECTION_PROTO = os.path.join(
    HERE, '..', '..', '..', 'node_modules', '@grpc', 'reflection', 'build', 'proto')


def message_class(desc):
    """The message class of a descriptor (protobuf 4.21 has MessageFactory; newer ones GetMessageClass)."""
    if hasattr(message_factory, 'GetMessageClass'):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(desc.file.pool).GetPrototype(desc)


def reflection_messages():
    """grpc.reflection.v1's request and response classes, from the .proto via
    grpcio-tools' protoc (as a descriptor set, so no generated code and no
    version match between protoc and the protobuf runtime is needed)."""
    out = os.path.join(tempfile.mkdtemp(prefix='parley-reflection-'), 'reflection.pb')
    subprocess.run(
        [sys.executable, '-m', 'grpc_tools.protoc', f'-I{REFLECTION_PROTO}', f'--descriptor_set_out={out}',
         'grpc/reflection/v1/reflection.proto'],
        check=True)
    with open(out, 'rb') as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file
    pool = descriptor_pool.DescriptorPool()
    for f in files:
        pool.Add(f)
    cls = lambda name: message_class(pool.FindMessageTypeByName(name))
    return cls('grpc.reflection.v1.ServerReflectionRequest'), cls('grpc.reflection.v1.ServerReflectionResponse')


def main():
    target = sys.argv[1]
    request_json = sys.argv[2] if len(sys.argv) > 2 else None
    Ask, Answer = reflection_messages()
    channel = grpc.insecure_channel(target)
    info = channel.stream_stream('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
                                 request_serializer=Ask.SerializeToString,
                                 response_deserializer=Answer.FromString)

    def ask(**kw):
        return next(info(iter([Ask(**kw)]), timeout=10))

    services = [s.name for s in ask(list_services='').list_services_response.service]
    if request_json is None:
        print(json.dumps({'services': services}))
        return
    files = ask(file_containing_symbol='parley.v1.AdDecision').file_descriptor_response.file_descriptor_proto
    pool = descriptor_pool.DescriptorPool()
    pending = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in files]
    # Add files after their dependencies (the server may send them in any order).
    while pending:
        added = False
        for f in list(pending):
            try:
                pool.Add(f)
                pending.remove(f)
                added = True
            except Exception as err:  # a dependency not added yet, or a descriptor protobuf refuses
                last = err
        if not added:
            raise SystemExit(f'descriptors rejected: {last}')
    method = pool.FindServiceByName('parley.v1.AdDecision').methods_by_name['Decide']
    Request = message_class(method.input_type)
    Response = message_class(method.output_type)
    request = json_format.Parse(request_json, Request())
    call = channel.unary_unary('/parley.v1.AdDecision/Decide',
                               request_serializer=Request.SerializeToString,
                               response_deserializer=Response.FromString)
    response = call(request, timeout=10)
    # DecideStream with a finite request iterator: the client ends its side after the last
    # message, usually before the answers come; every request must still be answered.
    stream_method = pool.FindServiceByName('parley.v1.AdDecision').methods_by_name['DecideStream']
    Requests = message_class(stream_method.input_type)
    Results = message_class(stream_method.output_type)
    decide_stream = channel.stream_stream('/parley.v1.AdDecision/DecideStream',
                                          request_serializer=Requests.SerializeToString,
                                          response_deserializer=Results.FromString)
    ids = [f'{request.request_id}-s{i}' for i in range(3)]
    batches = [ids[:2], ids[2:]]
    messages = []
    for batch in batches:
        m = Requests()
        for rid in batch:
            r = m.requests.add()
            r.CopyFrom(request)
            r.request_id = rid
        messages.append(m)
    stream_ids = [r.request_id for msg in decide_stream(iter(messages), timeout=10) for r in msg.results]
    print(json.dumps({'services': services,
                      'response': json_format.MessageToDict(response, preserving_proto_field_name=True),
                      'stream_ids': stream_ids}))


if __name__ == '__main__':
    main()
