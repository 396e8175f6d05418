/*
 * The parse-and-compile step of XS's compiler xsc, for test/moddable-build.test.ts:
 * @agoric/xsnap ships XS's compiler sources (xsLexical.c, xsSyntaxical.c,
 * xsScope.c, xsCode.c, ...) and xsc's makefile (xs/makefiles/lin/xsc.mk), but
 * not xsc's own main (xs/tools/xsc.c), so this file stands in for it: the
 * makefile builds it with the compiler's objects as it builds xsc.
 *
 *   xsc [-c] [-d] [-p] <file.js>
 *
 * compiles the module (a program with -p) with the parser flags xsc takes
 * from the same options (mcconfig's module rule passes -c, host functions
 * `function f() @ "xs_f";`, when the build has native code, -d in a debug
 * build, -p for a CommonJS module; its -e, -o and -r only shape the output),
 * as xsc does before it writes the .xsb, then prints, one a line, each host
 * function the module declares:
 *
 *   host <JavaScript name> <parameter count> <C name>
 *
 * and last `code <bytes>` (the size of its byte code). A parse or compile error goes to
 * stderr as `<path>:<line>: error: <message>` and the exit code is 1.
 */
#include "xsScript.h"

void fxVReport(void* console, txString format, c_va_list arguments)
{
	(void)console;
	vfprintf(stderr, format, arguments);
}

void fxVReportError(void* console, txString path, txInteger line, txString format, c_va_list arguments)
{
	(void)console;
	if (path)
		fprintf(stderr, "%s:%d: error: ", path, (int)line);
	else
		fprintf(stderr, "# error: ");
	vfprintf(stderr, format, arguments);
	fprintf(stderr, "\n");
}

void fxVReportWarning(void* console, txString path, txInteger line, txString format, c_va_list arguments)
{
	(void)console;
	if (path)
		fprintf(stderr, "%s:%d: warning: ", path, (int)line);
	else
		fprintf(stderr, "# warning: ");
	vfprintf(stderr, format, arguments);
	fprintf(stderr, "\n");
}

/* Each function's profile ID, as the compiler numbers them (the machine renumbers at load). */
txID fxGenerateProfileID(void* console)
{
	static txID id = 0;
	(void)console;
	return ++id;
}

/* A name of its own for each tagged template's cache. */
void fxGenerateTag(void* console, txString buffer, txInteger bufferSize, txString path)
{
	static int tag = 0;
	(void)console;
	snprintf(buffer, bufferSize, "#%s#%d", path ? path : "", ++tag);
}

int main(int argc, char* argv[])
{
	txParser parser;
	txParserJump jump;
	txUnsigned flags = 0;
	char* input = NULL;
	FILE* file = NULL;
	txScript* script = NULL;
	txHostNode* host;
	txString name = NULL;
	int status = 1;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c"))
			flags |= mxCFlag;
		else if (!strcmp(argv[i], "-d"))
			flags |= mxDebugFlag;
		else if (!strcmp(argv[i], "-p"))
			flags |= mxProgramFlag;
		else if (argv[i][0] != '-' && !input)
			input = argv[i];
		else {
			fprintf(stderr, "usage: xsc [-c] [-d] [-p] <file.js>\n");
			return 2;
		}
	}
	if (!input) {
		fprintf(stderr, "usage: xsc [-c] [-d] [-p] <file.js>\n");
		return 2;
	}
	file = fopen(input, "r");
	if (!file) {
		fprintf(stderr, "# cannot open %s\n", input);
		return 2;
	}
	fxInitializeParser(&parser, C_NULL, 32 * 1024, 1993);
	parser.firstJump = &jump;
	if (c_setjmp(jump.jmp_buf) == 0) {
		parser.origin = parser.path = fxNewParserSymbol(&parser, input);
		fxParserTree(&parser, file, (txGetter)fgetc, flags, &name);
		fxParserHoist(&parser);
		fxParserBind(&parser);
		script = fxParserCode(&parser);
		if (script && parser.errorCount == 0) {
			for (host = parser.firstHostNode; host; host = host->nextHostNode)
				printf("host %s %d %s\n", host->symbol ? host->symbol->string : "-", (int)host->paramsCount, host->at->value);
			printf("code %d\n", (int)script->codeSize);
			status = 0;
		}
	}
	if (parser.errorCount > 0)
		fprintf(stderr, "### %d error(s)\n", (int)parser.errorCount);
	fclose(file);
	if (script)
		fxDeleteScript(script);
	fxTerminateParser(&parser);
	return status;
}
