/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const tollgate = $root.tollgate = (() => {

    /**
     * Namespace tollgate.
     * @exports tollgate
     * @namespace
     */
    const tollgate = {};

    tollgate.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof tollgate
         * @namespace
         */
        const v1 = {};

        /**
         * Os enum.
         * @name tollgate.v1.Os
         * @enum {number}
         * @property {number} OS_UNSPECIFIED=0 OS_UNSPECIFIED value
         * @property {number} OS_WINDOWS=1 OS_WINDOWS value
         * @property {number} OS_MACOS=2 OS_MACOS value
         * @property {number} OS_LINUX=3 OS_LINUX value
         */
        v1.Os = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "OS_UNSPECIFIED"] = 0;
            values[valuesById[1] = "OS_WINDOWS"] = 1;
            values[valuesById[2] = "OS_MACOS"] = 2;
            values[valuesById[3] = "OS_LINUX"] = 3;
            return values;
        })();

        /**
         * Structure enum.
         * @name tollgate.v1.Structure
         * @enum {number}
         * @property {number} STRUCTURE_UNSPECIFIED=0 STRUCTURE_UNSPECIFIED value
         * @property {number} STRUCTURE_HIERARCHICAL=1 STRUCTURE_HIERARCHICAL value
         * @property {number} STRUCTURE_FLAT=2 STRUCTURE_FLAT value
         */
        v1.Structure = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "STRUCTURE_UNSPECIFIED"] = 0;
            values[valuesById[1] = "STRUCTURE_HIERARCHICAL"] = 1;
            values[valuesById[2] = "STRUCTURE_FLAT"] = 2;
            return values;
        })();

        /**
         * PolicyAction enum.
         * @name tollgate.v1.PolicyAction
         * @enum {number}
         * @property {number} POLICY_ACTION_UNSPECIFIED=0 POLICY_ACTION_UNSPECIFIED value
         * @property {number} POLICY_ACTION_PERMIT=1 POLICY_ACTION_PERMIT value
         * @property {number} POLICY_ACTION_DENY=2 POLICY_ACTION_DENY value
         * @property {number} POLICY_ACTION_DENY_WITH_REQUEST=3 POLICY_ACTION_DENY_WITH_REQUEST value
         * @property {number} POLICY_ACTION_RINGFENCE=4 POLICY_ACTION_RINGFENCE value
         */
        v1.PolicyAction = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "POLICY_ACTION_UNSPECIFIED"] = 0;
            values[valuesById[1] = "POLICY_ACTION_PERMIT"] = 1;
            values[valuesById[2] = "POLICY_ACTION_DENY"] = 2;
            values[valuesById[3] = "POLICY_ACTION_DENY_WITH_REQUEST"] = 3;
            values[valuesById[4] = "POLICY_ACTION_RINGFENCE"] = 4;
            return values;
        })();

        /**
         * ApprovalAction enum.
         * @name tollgate.v1.ApprovalAction
         * @enum {number}
         * @property {number} APPROVAL_ACTION_UNSPECIFIED=0 APPROVAL_ACTION_UNSPECIFIED value
         * @property {number} APPROVAL_ACTION_APPROVE=1 APPROVAL_ACTION_APPROVE value
         * @property {number} APPROVAL_ACTION_ESCALATE=2 APPROVAL_ACTION_ESCALATE value
         * @property {number} APPROVAL_ACTION_REJECT=3 APPROVAL_ACTION_REJECT value
         * @property {number} APPROVAL_ACTION_NONE=4 APPROVAL_ACTION_NONE value
         */
        v1.ApprovalAction = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "APPROVAL_ACTION_UNSPECIFIED"] = 0;
            values[valuesById[1] = "APPROVAL_ACTION_APPROVE"] = 1;
            values[valuesById[2] = "APPROVAL_ACTION_ESCALATE"] = 2;
            values[valuesById[3] = "APPROVAL_ACTION_REJECT"] = 3;
            values[valuesById[4] = "APPROVAL_ACTION_NONE"] = 4;
            return values;
        })();

        /**
         * CountryMode enum.
         * @name tollgate.v1.CountryMode
         * @enum {number}
         * @property {number} COUNTRY_MODE_UNSPECIFIED=0 COUNTRY_MODE_UNSPECIFIED value
         * @property {number} COUNTRY_MODE_DENY=1 COUNTRY_MODE_DENY value
         * @property {number} COUNTRY_MODE_ALLOW=2 COUNTRY_MODE_ALLOW value
         */
        v1.CountryMode = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "COUNTRY_MODE_UNSPECIFIED"] = 0;
            values[valuesById[1] = "COUNTRY_MODE_DENY"] = 1;
            values[valuesById[2] = "COUNTRY_MODE_ALLOW"] = 2;
            return values;
        })();

        /**
         * PermitTarget enum.
         * @name tollgate.v1.PermitTarget
         * @enum {number}
         * @property {number} PERMIT_TARGET_UNSPECIFIED=0 PERMIT_TARGET_UNSPECIFIED value
         * @property {number} PERMIT_TARGET_COMPUTER=1 PERMIT_TARGET_COMPUTER value
         * @property {number} PERMIT_TARGET_GROUP=2 PERMIT_TARGET_GROUP value
         */
        v1.PermitTarget = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "PERMIT_TARGET_UNSPECIFIED"] = 0;
            values[valuesById[1] = "PERMIT_TARGET_COMPUTER"] = 1;
            values[valuesById[2] = "PERMIT_TARGET_GROUP"] = 2;
            return values;
        })();

        v1.StringList = (function() {

            /**
             * Properties of a StringList.
             * @typedef {Object} tollgate.v1.StringList.$Properties
             * @property {Array.<string>|null} [values] StringList values
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a StringList.
             * @memberof tollgate.v1
             * @interface IStringList
             * @augments tollgate.v1.StringList.$Properties
             * @deprecated Use tollgate.v1.StringList.$Properties instead.
             */

            /**
             * Shape of a StringList.
             * @typedef {tollgate.v1.StringList.$Properties} tollgate.v1.StringList.$Shape
             */

            /**
             * Constructs a new StringList.
             * @memberof tollgate.v1
             * @classdesc Represents a StringList.
             * @constructor
             * @param {tollgate.v1.StringList.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const StringList = function (properties) {
                this.values = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * StringList values.
             * @member {Array.<string>} values
             * @memberof tollgate.v1.StringList
             * @instance
             */
            StringList.prototype.values = $util.emptyArray;

            /**
             * Creates a new StringList instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.StringList
             * @static
             * @param {tollgate.v1.StringList.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.StringList} StringList instance
             * @type {{
             *   (properties: tollgate.v1.StringList.$Shape): tollgate.v1.StringList & tollgate.v1.StringList.$Shape;
             *   (properties?: tollgate.v1.StringList.$Properties): tollgate.v1.StringList;
             * }}
             */
            StringList.create = function(properties) {
                return new StringList(properties);
            };

            /**
             * Encodes the specified StringList message. Does not implicitly {@link tollgate.v1.StringList.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.StringList
             * @static
             * @param {tollgate.v1.StringList.$Properties} message StringList message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            StringList.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.values != null && message.values.length)
                    for (let i = 0; i < message.values.length; ++i)
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.values[i]);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a StringList message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.StringList
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.StringList & tollgate.v1.StringList.$Shape} StringList
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            StringList.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.StringList();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if (!(message.values && message.values.length))
                                message.values = [];
                            message.values.push(reader.stringVerify());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return StringList;
        })();

        v1.AppRule = (function() {

            /**
             * Properties of an AppRule.
             * @typedef {Object} tollgate.v1.AppRule.$Properties
             * @property {string|null} [path] AppRule path
             * @property {string|null} [processPath] AppRule processPath
             * @property {string|null} [createdBy] AppRule createdBy
             * @property {string|null} [sha256] AppRule sha256
             * @property {string|null} [certSubject] AppRule certSubject
             * @property {string|null} [certThumbprint] AppRule certThumbprint
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an AppRule.
             * @memberof tollgate.v1
             * @interface IAppRule
             * @augments tollgate.v1.AppRule.$Properties
             * @deprecated Use tollgate.v1.AppRule.$Properties instead.
             */

            /**
             * Shape of an AppRule.
             * @typedef {tollgate.v1.AppRule.$Properties} tollgate.v1.AppRule.$Shape
             */

            /**
             * Constructs a new AppRule.
             * @memberof tollgate.v1
             * @classdesc Represents an AppRule.
             * @constructor
             * @param {tollgate.v1.AppRule.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const AppRule = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * AppRule path.
             * @member {string|null|undefined} path
             * @memberof tollgate.v1.AppRule
             * @instance
             */
            AppRule.prototype.path = null;

            /**
             * AppRule processPath.
             * @member {string|null|undefined} processPath
             * @memberof tollgate.v1.AppRule
             * @instance
             */
            AppRule.prototype.processPath = null;

            /**
             * AppRule createdBy.
             * @member {string|null|undefined} createdBy
             * @memberof tollgate.v1.AppRule
             * @instance
             */
            AppRule.prototype.createdBy = null;

            /**
             * AppRule sha256.
             * @member {string|null|undefined} sha256
             * @memberof tollgate.v1.AppRule
             * @instance
             */
            AppRule.prototype.sha256 = null;

            /**
             * AppRule certSubject.
             * @member {string|null|undefined} certSubject
             * @memberof tollgate.v1.AppRule
             * @instance
             */
            AppRule.prototype.certSubject = null;

            /**
             * AppRule certThumbprint.
             * @member {string|null|undefined} certThumbprint
             * @memberof tollgate.v1.AppRule
             * @instance
             */
            AppRule.prototype.certThumbprint = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(AppRule.prototype, "_path", {
                get: $util.oneOfGetter($oneOfFields = ["path"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(AppRule.prototype, "_processPath", {
                get: $util.oneOfGetter($oneOfFields = ["processPath"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(AppRule.prototype, "_createdBy", {
                get: $util.oneOfGetter($oneOfFields = ["createdBy"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(AppRule.prototype, "_sha256", {
                get: $util.oneOfGetter($oneOfFields = ["sha256"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(AppRule.prototype, "_certSubject", {
                get: $util.oneOfGetter($oneOfFields = ["certSubject"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(AppRule.prototype, "_certThumbprint", {
                get: $util.oneOfGetter($oneOfFields = ["certThumbprint"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new AppRule instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.AppRule
             * @static
             * @param {tollgate.v1.AppRule.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.AppRule} AppRule instance
             * @type {{
             *   (properties: tollgate.v1.AppRule.$Shape): tollgate.v1.AppRule & tollgate.v1.AppRule.$Shape;
             *   (properties?: tollgate.v1.AppRule.$Properties): tollgate.v1.AppRule;
             * }}
             */
            AppRule.create = function(properties) {
                return new AppRule(properties);
            };

            /**
             * Encodes the specified AppRule message. Does not implicitly {@link tollgate.v1.AppRule.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.AppRule
             * @static
             * @param {tollgate.v1.AppRule.$Properties} message AppRule message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            AppRule.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.path != null && $Object.hasOwnProperty.call(message, "path"))
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.path);
                if (message.processPath != null && $Object.hasOwnProperty.call(message, "processPath"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.processPath);
                if (message.createdBy != null && $Object.hasOwnProperty.call(message, "createdBy"))
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.createdBy);
                if (message.sha256 != null && $Object.hasOwnProperty.call(message, "sha256"))
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.sha256);
                if (message.certSubject != null && $Object.hasOwnProperty.call(message, "certSubject"))
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.certSubject);
                if (message.certThumbprint != null && $Object.hasOwnProperty.call(message, "certThumbprint"))
                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.certThumbprint);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an AppRule message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.AppRule
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.AppRule & tollgate.v1.AppRule.$Shape} AppRule
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            AppRule.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.AppRule();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.path = reader.stringVerify();
                            message._path = "path";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.processPath = reader.stringVerify();
                            message._processPath = "processPath";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.createdBy = reader.stringVerify();
                            message._createdBy = "createdBy";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.sha256 = reader.stringVerify();
                            message._sha256 = "sha256";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.certSubject = reader.stringVerify();
                            message._certSubject = "certSubject";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.certThumbprint = reader.stringVerify();
                            message._certThumbprint = "certThumbprint";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return AppRule;
        })();

        v1.Application = (function() {

            /**
             * Properties of an Application.
             * @typedef {Object} tollgate.v1.Application.$Properties
             * @property {string|null} [id] Application id
             * @property {string|null} [name] Application name
             * @property {boolean|null} [builtIn] Application builtIn
             * @property {string|null} [org] Application org
             * @property {string|null} [category] Application category
             * @property {string|null} [subcategory] Application subcategory
             * @property {Array.<tollgate.v1.AppRule.$Properties>|null} [rules] Application rules
             * @property {tollgate.v1.StringList.$Properties|null} [primaryCompanyInfluence] Application primaryCompanyInfluence
             * @property {tollgate.v1.StringList.$Properties|null} [developmentInfluence] Application developmentInfluence
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Application.
             * @memberof tollgate.v1
             * @interface IApplication
             * @augments tollgate.v1.Application.$Properties
             * @deprecated Use tollgate.v1.Application.$Properties instead.
             */

            /**
             * Shape of an Application.
             * @typedef {tollgate.v1.Application.$Properties} tollgate.v1.Application.$Shape
             */

            /**
             * Constructs a new Application.
             * @memberof tollgate.v1
             * @classdesc Represents an Application.
             * @constructor
             * @param {tollgate.v1.Application.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Application = function (properties) {
                this.rules = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Application id.
             * @member {string} id
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.id = "";

            /**
             * Application name.
             * @member {string} name
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.name = "";

            /**
             * Application builtIn.
             * @member {boolean} builtIn
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.builtIn = false;

            /**
             * Application org.
             * @member {string|null|undefined} org
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.org = null;

            /**
             * Application category.
             * @member {string|null|undefined} category
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.category = null;

            /**
             * Application subcategory.
             * @member {string|null|undefined} subcategory
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.subcategory = null;

            /**
             * Application rules.
             * @member {Array.<tollgate.v1.AppRule.$Properties>} rules
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.rules = $util.emptyArray;

            /**
             * Application primaryCompanyInfluence.
             * @member {tollgate.v1.StringList.$Properties|null|undefined} primaryCompanyInfluence
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.primaryCompanyInfluence = null;

            /**
             * Application developmentInfluence.
             * @member {tollgate.v1.StringList.$Properties|null|undefined} developmentInfluence
             * @memberof tollgate.v1.Application
             * @instance
             */
            Application.prototype.developmentInfluence = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Application.prototype, "_org", {
                get: $util.oneOfGetter($oneOfFields = ["org"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Application.prototype, "_category", {
                get: $util.oneOfGetter($oneOfFields = ["category"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Application.prototype, "_subcategory", {
                get: $util.oneOfGetter($oneOfFields = ["subcategory"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Application instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Application
             * @static
             * @param {tollgate.v1.Application.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Application} Application instance
             * @type {{
             *   (properties: tollgate.v1.Application.$Shape): tollgate.v1.Application & tollgate.v1.Application.$Shape;
             *   (properties?: tollgate.v1.Application.$Properties): tollgate.v1.Application;
             * }}
             */
            Application.create = function(properties) {
                return new Application(properties);
            };

            /**
             * Encodes the specified Application message. Does not implicitly {@link tollgate.v1.Application.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Application
             * @static
             * @param {tollgate.v1.Application.$Properties} message Application message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Application.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.id);
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.name);
                if (message.builtIn != null && $Object.hasOwnProperty.call(message, "builtIn") && message.builtIn !== false)
                    writer.uint32(/* id 3, wireType 0 =*/24).bool(message.builtIn);
                if (message.org != null && $Object.hasOwnProperty.call(message, "org"))
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.org);
                if (message.category != null && $Object.hasOwnProperty.call(message, "category"))
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.category);
                if (message.subcategory != null && $Object.hasOwnProperty.call(message, "subcategory"))
                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.subcategory);
                if (message.rules != null && message.rules.length)
                    for (let i = 0; i < message.rules.length; ++i)
                        $root.tollgate.v1.AppRule.encode(message.rules[i], writer.uint32(/* id 9, wireType 2 =*/74).fork(), _depth + 1).ldelim();
                if (message.primaryCompanyInfluence != null && $Object.hasOwnProperty.call(message, "primaryCompanyInfluence"))
                    $root.tollgate.v1.StringList.encode(message.primaryCompanyInfluence, writer.uint32(/* id 10, wireType 2 =*/82).fork(), _depth + 1).ldelim();
                if (message.developmentInfluence != null && $Object.hasOwnProperty.call(message, "developmentInfluence"))
                    $root.tollgate.v1.StringList.encode(message.developmentInfluence, writer.uint32(/* id 11, wireType 2 =*/90).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Application message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Application
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Application & tollgate.v1.Application.$Shape} Application
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Application.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Application();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.builtIn = value;
                            else
                                delete message.builtIn;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.org = reader.stringVerify();
                            message._org = "org";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.category = reader.stringVerify();
                            message._category = "category";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.subcategory = reader.stringVerify();
                            message._subcategory = "subcategory";
                            continue;
                        }
                    case 9: {
                            if (wireType !== 2)
                                break;
                            if (!(message.rules && message.rules.length))
                                message.rules = [];
                            message.rules.push($root.tollgate.v1.AppRule.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            message.primaryCompanyInfluence = $root.tollgate.v1.StringList.decode(reader, reader.size(), $undefined, _depth + 1, message.primaryCompanyInfluence);
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            message.developmentInfluence = $root.tollgate.v1.StringList.decode(reader, reader.size(), $undefined, _depth + 1, message.developmentInfluence);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Application;
        })();

        v1.Policy = (function() {

            /**
             * Properties of a Policy.
             * @typedef {Object} tollgate.v1.Policy.$Properties
             * @property {string|null} [id] Policy id
             * @property {string|null} [name] Policy name
             * @property {string|null} [app] Policy app
             * @property {boolean|null} [builtIn] Policy builtIn
             * @property {tollgate.v1.PolicyAction|null} [action] Policy action
             * @property {number|null} [order] Policy order
             * @property {number|null} [levelRank] Policy levelRank
             * @property {number|null} [orgDepth] Policy orgDepth
             * @property {string|null} [org] Policy org
             * @property {number|null} [expiresAtMs] Policy expiresAtMs
             * @property {boolean|null} [isDefault] Policy isDefault
             * @property {string|null} [ringfenceJson] Policy ringfenceJson
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Policy.
             * @memberof tollgate.v1
             * @interface IPolicy
             * @augments tollgate.v1.Policy.$Properties
             * @deprecated Use tollgate.v1.Policy.$Properties instead.
             */

            /**
             * Shape of a Policy.
             * @typedef {tollgate.v1.Policy.$Properties} tollgate.v1.Policy.$Shape
             */

            /**
             * Constructs a new Policy.
             * @memberof tollgate.v1
             * @classdesc Represents a Policy.
             * @constructor
             * @param {tollgate.v1.Policy.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Policy = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Policy id.
             * @member {string} id
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.id = "";

            /**
             * Policy name.
             * @member {string|null|undefined} name
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.name = null;

            /**
             * Policy app.
             * @member {string|null|undefined} app
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.app = null;

            /**
             * Policy builtIn.
             * @member {boolean} builtIn
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.builtIn = false;

            /**
             * Policy action.
             * @member {tollgate.v1.PolicyAction} action
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.action = 0;

            /**
             * Policy order.
             * @member {number} order
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.order = 0;

            /**
             * Policy levelRank.
             * @member {number} levelRank
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.levelRank = 0;

            /**
             * Policy orgDepth.
             * @member {number} orgDepth
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.orgDepth = 0;

            /**
             * Policy org.
             * @member {string} org
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.org = "";

            /**
             * Policy expiresAtMs.
             * @member {number|null|undefined} expiresAtMs
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.expiresAtMs = null;

            /**
             * Policy isDefault.
             * @member {boolean} isDefault
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.isDefault = false;

            /**
             * Policy ringfenceJson.
             * @member {string|null|undefined} ringfenceJson
             * @memberof tollgate.v1.Policy
             * @instance
             */
            Policy.prototype.ringfenceJson = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Policy.prototype, "_name", {
                get: $util.oneOfGetter($oneOfFields = ["name"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Policy.prototype, "_app", {
                get: $util.oneOfGetter($oneOfFields = ["app"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Policy.prototype, "_expiresAtMs", {
                get: $util.oneOfGetter($oneOfFields = ["expiresAtMs"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Policy.prototype, "_ringfenceJson", {
                get: $util.oneOfGetter($oneOfFields = ["ringfenceJson"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Policy instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Policy
             * @static
             * @param {tollgate.v1.Policy.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Policy} Policy instance
             * @type {{
             *   (properties: tollgate.v1.Policy.$Shape): tollgate.v1.Policy & tollgate.v1.Policy.$Shape;
             *   (properties?: tollgate.v1.Policy.$Properties): tollgate.v1.Policy;
             * }}
             */
            Policy.create = function(properties) {
                return new Policy(properties);
            };

            /**
             * Encodes the specified Policy message. Does not implicitly {@link tollgate.v1.Policy.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Policy
             * @static
             * @param {tollgate.v1.Policy.$Properties} message Policy message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Policy.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.id);
                if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.name);
                if (message.app != null && $Object.hasOwnProperty.call(message, "app"))
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.app);
                if (message.builtIn != null && $Object.hasOwnProperty.call(message, "builtIn") && message.builtIn !== false)
                    writer.uint32(/* id 4, wireType 0 =*/32).bool(message.builtIn);
                if (message.action != null && $Object.hasOwnProperty.call(message, "action") && message.action !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).int32(message.action);
                if (message.order != null && $Object.hasOwnProperty.call(message, "order") && message.order !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).sint32(message.order);
                if (message.levelRank != null && $Object.hasOwnProperty.call(message, "levelRank") && message.levelRank !== 0)
                    writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.levelRank);
                if (message.orgDepth != null && $Object.hasOwnProperty.call(message, "orgDepth") && message.orgDepth !== 0)
                    writer.uint32(/* id 8, wireType 0 =*/64).uint32(message.orgDepth);
                if (message.org != null && $Object.hasOwnProperty.call(message, "org") && message.org !== "")
                    writer.uint32(/* id 9, wireType 2 =*/74).string(message.org);
                if (message.expiresAtMs != null && $Object.hasOwnProperty.call(message, "expiresAtMs"))
                    writer.uint32(/* id 10, wireType 1 =*/81).double(message.expiresAtMs);
                if (message.isDefault != null && $Object.hasOwnProperty.call(message, "isDefault") && message.isDefault !== false)
                    writer.uint32(/* id 11, wireType 0 =*/88).bool(message.isDefault);
                if (message.ringfenceJson != null && $Object.hasOwnProperty.call(message, "ringfenceJson"))
                    writer.uint32(/* id 12, wireType 2 =*/98).string(message.ringfenceJson);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Policy message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Policy
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Policy & tollgate.v1.Policy.$Shape} Policy
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Policy.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Policy();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.name = reader.stringVerify();
                            message._name = "name";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.app = reader.stringVerify();
                            message._app = "app";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.builtIn = value;
                            else
                                delete message.builtIn;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.action = value;
                            else
                                delete message.action;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.sint32())
                                message.order = value;
                            else
                                delete message.order;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.levelRank = value;
                            else
                                delete message.levelRank;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.orgDepth = value;
                            else
                                delete message.orgDepth;
                            continue;
                        }
                    case 9: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.org = value;
                            else
                                delete message.org;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 1)
                                break;
                            message.expiresAtMs = reader.double();
                            message._expiresAtMs = "expiresAtMs";
                            continue;
                        }
                    case 11: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.isDefault = value;
                            else
                                delete message.isDefault;
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            message.ringfenceJson = reader.stringVerify();
                            message._ringfenceJson = "ringfenceJson";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Policy;
        })();

        v1.Gate = (function() {

            /**
             * Properties of a Gate.
             * @typedef {Object} tollgate.v1.Gate.$Properties
             * @property {string|null} [feature] Gate feature
             * @property {tollgate.v1.Os|null} [os] Gate os
             * @property {string|null} [minVersion] Gate minVersion
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Gate.
             * @memberof tollgate.v1
             * @interface IGate
             * @augments tollgate.v1.Gate.$Properties
             * @deprecated Use tollgate.v1.Gate.$Properties instead.
             */

            /**
             * Shape of a Gate.
             * @typedef {tollgate.v1.Gate.$Properties} tollgate.v1.Gate.$Shape
             */

            /**
             * Constructs a new Gate.
             * @memberof tollgate.v1
             * @classdesc Represents a Gate.
             * @constructor
             * @param {tollgate.v1.Gate.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Gate = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Gate feature.
             * @member {string} feature
             * @memberof tollgate.v1.Gate
             * @instance
             */
            Gate.prototype.feature = "";

            /**
             * Gate os.
             * @member {tollgate.v1.Os} os
             * @memberof tollgate.v1.Gate
             * @instance
             */
            Gate.prototype.os = 0;

            /**
             * Gate minVersion.
             * @member {string} minVersion
             * @memberof tollgate.v1.Gate
             * @instance
             */
            Gate.prototype.minVersion = "";

            /**
             * Creates a new Gate instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Gate
             * @static
             * @param {tollgate.v1.Gate.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Gate} Gate instance
             * @type {{
             *   (properties: tollgate.v1.Gate.$Shape): tollgate.v1.Gate & tollgate.v1.Gate.$Shape;
             *   (properties?: tollgate.v1.Gate.$Properties): tollgate.v1.Gate;
             * }}
             */
            Gate.create = function(properties) {
                return new Gate(properties);
            };

            /**
             * Encodes the specified Gate message. Does not implicitly {@link tollgate.v1.Gate.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Gate
             * @static
             * @param {tollgate.v1.Gate.$Properties} message Gate message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Gate.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.feature != null && $Object.hasOwnProperty.call(message, "feature") && message.feature !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.feature);
                if (message.os != null && $Object.hasOwnProperty.call(message, "os") && message.os !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).int32(message.os);
                if (message.minVersion != null && $Object.hasOwnProperty.call(message, "minVersion") && message.minVersion !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.minVersion);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Gate message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Gate
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Gate & tollgate.v1.Gate.$Shape} Gate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Gate.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Gate();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.feature = value;
                            else
                                delete message.feature;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.os = value;
                            else
                                delete message.os;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.minVersion = value;
                            else
                                delete message.minVersion;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Gate;
        })();

        v1.SettingValue = (function() {

            /**
             * Properties of a SettingValue.
             * @typedef {Object} tollgate.v1.SettingValue.$Properties
             * @property {boolean|null} [boolValue] SettingValue boolValue
             * @property {number|null} [numberValue] SettingValue numberValue
             * @property {string|null} [stringValue] SettingValue stringValue
             * @property {"boolValue"|"numberValue"|"stringValue"} [kind] SettingValue kind
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SettingValue.
             * @memberof tollgate.v1
             * @interface ISettingValue
             * @augments tollgate.v1.SettingValue.$Properties
             * @deprecated Use tollgate.v1.SettingValue.$Properties instead.
             */

            /**
             * Narrowed shape of a SettingValue.
             * @typedef {{
             *   boolValue?: boolean|null;
             *   numberValue?: number|null;
             *   stringValue?: string|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ kind?: undefined; boolValue?: null; numberValue?: null; stringValue?: null }|{ kind?: "boolValue"; boolValue: boolean; numberValue?: null; stringValue?: null }|{ kind?: "numberValue"; boolValue?: null; numberValue: number; stringValue?: null }|{ kind?: "stringValue"; boolValue?: null; numberValue?: null; stringValue: string })
             * )} tollgate.v1.SettingValue.$Shape
             */

            /**
             * Constructs a new SettingValue.
             * @memberof tollgate.v1
             * @classdesc Represents a SettingValue.
             * @constructor
             * @param {tollgate.v1.SettingValue.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SettingValue = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * SettingValue boolValue.
             * @member {boolean|null|undefined} boolValue
             * @memberof tollgate.v1.SettingValue
             * @instance
             */
            SettingValue.prototype.boolValue = null;

            /**
             * SettingValue numberValue.
             * @member {number|null|undefined} numberValue
             * @memberof tollgate.v1.SettingValue
             * @instance
             */
            SettingValue.prototype.numberValue = null;

            /**
             * SettingValue stringValue.
             * @member {string|null|undefined} stringValue
             * @memberof tollgate.v1.SettingValue
             * @instance
             */
            SettingValue.prototype.stringValue = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * SettingValue kind.
             * @member {"boolValue"|"numberValue"|"stringValue"|undefined} kind
             * @memberof tollgate.v1.SettingValue
             * @instance
             */
            $Object.defineProperty(SettingValue.prototype, "kind", {
                get: $util.oneOfGetter($oneOfFields = ["boolValue", "numberValue", "stringValue"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new SettingValue instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.SettingValue
             * @static
             * @param {tollgate.v1.SettingValue.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.SettingValue} SettingValue instance
             * @type {{
             *   (properties: tollgate.v1.SettingValue.$Shape): tollgate.v1.SettingValue & tollgate.v1.SettingValue.$Shape;
             *   (properties?: tollgate.v1.SettingValue.$Properties): tollgate.v1.SettingValue;
             * }}
             */
            SettingValue.create = function(properties) {
                return new SettingValue(properties);
            };

            /**
             * Encodes the specified SettingValue message. Does not implicitly {@link tollgate.v1.SettingValue.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.SettingValue
             * @static
             * @param {tollgate.v1.SettingValue.$Properties} message SettingValue message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SettingValue.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.boolValue != null && $Object.hasOwnProperty.call(message, "boolValue"))
                    writer.uint32(/* id 1, wireType 0 =*/8).bool(message.boolValue);
                if (message.numberValue != null && $Object.hasOwnProperty.call(message, "numberValue"))
                    writer.uint32(/* id 2, wireType 1 =*/17).double(message.numberValue);
                if (message.stringValue != null && $Object.hasOwnProperty.call(message, "stringValue"))
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.stringValue);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a SettingValue message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.SettingValue
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.SettingValue & tollgate.v1.SettingValue.$Shape} SettingValue
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SettingValue.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.SettingValue();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            message.boolValue = reader.bool();
                            message.kind = "boolValue";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            message.numberValue = reader.double();
                            message.kind = "numberValue";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.stringValue = reader.stringVerify();
                            message.kind = "stringValue";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return SettingValue;
        })();

        v1.Setting = (function() {

            /**
             * Properties of a Setting.
             * @typedef {Object} tollgate.v1.Setting.$Properties
             * @property {string|null} [name] Setting name
             * @property {tollgate.v1.SettingValue.$Properties|null} [value] Setting value
             * @property {string|null} [source] Setting source
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Setting.
             * @memberof tollgate.v1
             * @interface ISetting
             * @augments tollgate.v1.Setting.$Properties
             * @deprecated Use tollgate.v1.Setting.$Properties instead.
             */

            /**
             * Shape of a Setting.
             * @typedef {{
             *   name?: string|null;
             *   value?: tollgate.v1.SettingValue.$Shape|null;
             *   source?: string|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tollgate.v1.Setting.$Shape
             */

            /**
             * Constructs a new Setting.
             * @memberof tollgate.v1
             * @classdesc Represents a Setting.
             * @constructor
             * @param {tollgate.v1.Setting.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Setting = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Setting name.
             * @member {string} name
             * @memberof tollgate.v1.Setting
             * @instance
             */
            Setting.prototype.name = "";

            /**
             * Setting value.
             * @member {tollgate.v1.SettingValue.$Properties|null|undefined} value
             * @memberof tollgate.v1.Setting
             * @instance
             */
            Setting.prototype.value = null;

            /**
             * Setting source.
             * @member {string|null|undefined} source
             * @memberof tollgate.v1.Setting
             * @instance
             */
            Setting.prototype.source = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Setting.prototype, "_source", {
                get: $util.oneOfGetter($oneOfFields = ["source"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Setting instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Setting
             * @static
             * @param {tollgate.v1.Setting.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Setting} Setting instance
             * @type {{
             *   (properties: tollgate.v1.Setting.$Shape): tollgate.v1.Setting & tollgate.v1.Setting.$Shape;
             *   (properties?: tollgate.v1.Setting.$Properties): tollgate.v1.Setting;
             * }}
             */
            Setting.create = function(properties) {
                return new Setting(properties);
            };

            /**
             * Encodes the specified Setting message. Does not implicitly {@link tollgate.v1.Setting.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Setting
             * @static
             * @param {tollgate.v1.Setting.$Properties} message Setting message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Setting.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.name);
                if (message.value != null && $Object.hasOwnProperty.call(message, "value"))
                    $root.tollgate.v1.SettingValue.encode(message.value, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.source != null && $Object.hasOwnProperty.call(message, "source"))
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.source);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Setting message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Setting
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Setting & tollgate.v1.Setting.$Shape} Setting
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Setting.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Setting();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.value = $root.tollgate.v1.SettingValue.decode(reader, reader.size(), $undefined, _depth + 1, message.value);
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.source = reader.stringVerify();
                            message._source = "source";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Setting;
        })();

        v1.ApprovalPolicy = (function() {

            /**
             * Properties of an ApprovalPolicy.
             * @typedef {Object} tollgate.v1.ApprovalPolicy.$Properties
             * @property {string|null} [id] ApprovalPolicy id
             * @property {number|null} [order] ApprovalPolicy order
             * @property {number|null} [scopeRank] ApprovalPolicy scopeRank
             * @property {tollgate.v1.ApprovalAction|null} [action] ApprovalPolicy action
             * @property {string|null} [category] ApprovalPolicy category
             * @property {string|null} [subcategory] ApprovalPolicy subcategory
             * @property {tollgate.v1.CountryMode|null} [countriesMode] ApprovalPolicy countriesMode
             * @property {Array.<string>|null} [countries] ApprovalPolicy countries
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ApprovalPolicy.
             * @memberof tollgate.v1
             * @interface IApprovalPolicy
             * @augments tollgate.v1.ApprovalPolicy.$Properties
             * @deprecated Use tollgate.v1.ApprovalPolicy.$Properties instead.
             */

            /**
             * Shape of an ApprovalPolicy.
             * @typedef {tollgate.v1.ApprovalPolicy.$Properties} tollgate.v1.ApprovalPolicy.$Shape
             */

            /**
             * Constructs a new ApprovalPolicy.
             * @memberof tollgate.v1
             * @classdesc Represents an ApprovalPolicy.
             * @constructor
             * @param {tollgate.v1.ApprovalPolicy.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ApprovalPolicy = function (properties) {
                this.countries = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ApprovalPolicy id.
             * @member {string} id
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.id = "";

            /**
             * ApprovalPolicy order.
             * @member {number} order
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.order = 0;

            /**
             * ApprovalPolicy scopeRank.
             * @member {number} scopeRank
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.scopeRank = 0;

            /**
             * ApprovalPolicy action.
             * @member {tollgate.v1.ApprovalAction} action
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.action = 0;

            /**
             * ApprovalPolicy category.
             * @member {string} category
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.category = "";

            /**
             * ApprovalPolicy subcategory.
             * @member {string|null|undefined} subcategory
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.subcategory = null;

            /**
             * ApprovalPolicy countriesMode.
             * @member {tollgate.v1.CountryMode} countriesMode
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.countriesMode = 0;

            /**
             * ApprovalPolicy countries.
             * @member {Array.<string>} countries
             * @memberof tollgate.v1.ApprovalPolicy
             * @instance
             */
            ApprovalPolicy.prototype.countries = $util.emptyArray;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(ApprovalPolicy.prototype, "_subcategory", {
                get: $util.oneOfGetter($oneOfFields = ["subcategory"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new ApprovalPolicy instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ApprovalPolicy
             * @static
             * @param {tollgate.v1.ApprovalPolicy.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ApprovalPolicy} ApprovalPolicy instance
             * @type {{
             *   (properties: tollgate.v1.ApprovalPolicy.$Shape): tollgate.v1.ApprovalPolicy & tollgate.v1.ApprovalPolicy.$Shape;
             *   (properties?: tollgate.v1.ApprovalPolicy.$Properties): tollgate.v1.ApprovalPolicy;
             * }}
             */
            ApprovalPolicy.create = function(properties) {
                return new ApprovalPolicy(properties);
            };

            /**
             * Encodes the specified ApprovalPolicy message. Does not implicitly {@link tollgate.v1.ApprovalPolicy.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ApprovalPolicy
             * @static
             * @param {tollgate.v1.ApprovalPolicy.$Properties} message ApprovalPolicy message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ApprovalPolicy.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.id);
                if (message.order != null && $Object.hasOwnProperty.call(message, "order") && message.order !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.order);
                if (message.scopeRank != null && $Object.hasOwnProperty.call(message, "scopeRank") && message.scopeRank !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.scopeRank);
                if (message.action != null && $Object.hasOwnProperty.call(message, "action") && message.action !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).int32(message.action);
                if (message.category != null && $Object.hasOwnProperty.call(message, "category") && message.category !== "")
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.category);
                if (message.subcategory != null && $Object.hasOwnProperty.call(message, "subcategory"))
                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.subcategory);
                if (message.countriesMode != null && $Object.hasOwnProperty.call(message, "countriesMode") && message.countriesMode !== 0)
                    writer.uint32(/* id 7, wireType 0 =*/56).int32(message.countriesMode);
                if (message.countries != null && message.countries.length)
                    for (let i = 0; i < message.countries.length; ++i)
                        writer.uint32(/* id 8, wireType 2 =*/66).string(message.countries[i]);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ApprovalPolicy message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ApprovalPolicy
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalPolicy & tollgate.v1.ApprovalPolicy.$Shape} ApprovalPolicy
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ApprovalPolicy.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ApprovalPolicy();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.order = value;
                            else
                                delete message.order;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.scopeRank = value;
                            else
                                delete message.scopeRank;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.action = value;
                            else
                                delete message.action;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.category = value;
                            else
                                delete message.category;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.subcategory = reader.stringVerify();
                            message._subcategory = "subcategory";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.countriesMode = value;
                            else
                                delete message.countriesMode;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            if (!(message.countries && message.countries.length))
                                message.countries = [];
                            message.countries.push(reader.stringVerify());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ApprovalPolicy;
        })();

        v1.ComputerInfo = (function() {

            /**
             * Properties of a ComputerInfo.
             * @typedef {Object} tollgate.v1.ComputerInfo.$Properties
             * @property {string|null} [id] ComputerInfo id
             * @property {string|null} [name] ComputerInfo name
             * @property {string|null} [group] ComputerInfo group
             * @property {string|null} [groupName] ComputerInfo groupName
             * @property {string|null} [org] ComputerInfo org
             * @property {tollgate.v1.Os|null} [os] ComputerInfo os
             * @property {string|null} [agentVersion] ComputerInfo agentVersion
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ComputerInfo.
             * @memberof tollgate.v1
             * @interface IComputerInfo
             * @augments tollgate.v1.ComputerInfo.$Properties
             * @deprecated Use tollgate.v1.ComputerInfo.$Properties instead.
             */

            /**
             * Shape of a ComputerInfo.
             * @typedef {tollgate.v1.ComputerInfo.$Properties} tollgate.v1.ComputerInfo.$Shape
             */

            /**
             * Constructs a new ComputerInfo.
             * @memberof tollgate.v1
             * @classdesc Represents a ComputerInfo.
             * @constructor
             * @param {tollgate.v1.ComputerInfo.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ComputerInfo = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ComputerInfo id.
             * @member {string} id
             * @memberof tollgate.v1.ComputerInfo
             * @instance
             */
            ComputerInfo.prototype.id = "";

            /**
             * ComputerInfo name.
             * @member {string|null|undefined} name
             * @memberof tollgate.v1.ComputerInfo
             * @instance
             */
            ComputerInfo.prototype.name = null;

            /**
             * ComputerInfo group.
             * @member {string} group
             * @memberof tollgate.v1.ComputerInfo
             * @instance
             */
            ComputerInfo.prototype.group = "";

            /**
             * ComputerInfo groupName.
             * @member {string} groupName
             * @memberof tollgate.v1.ComputerInfo
             * @instance
             */
            ComputerInfo.prototype.groupName = "";

            /**
             * ComputerInfo org.
             * @member {string} org
             * @memberof tollgate.v1.ComputerInfo
             * @instance
             */
            ComputerInfo.prototype.org = "";

            /**
             * ComputerInfo os.
             * @member {tollgate.v1.Os} os
             * @memberof tollgate.v1.ComputerInfo
             * @instance
             */
            ComputerInfo.prototype.os = 0;

            /**
             * ComputerInfo agentVersion.
             * @member {string} agentVersion
             * @memberof tollgate.v1.ComputerInfo
             * @instance
             */
            ComputerInfo.prototype.agentVersion = "";

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(ComputerInfo.prototype, "_name", {
                get: $util.oneOfGetter($oneOfFields = ["name"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new ComputerInfo instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ComputerInfo
             * @static
             * @param {tollgate.v1.ComputerInfo.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ComputerInfo} ComputerInfo instance
             * @type {{
             *   (properties: tollgate.v1.ComputerInfo.$Shape): tollgate.v1.ComputerInfo & tollgate.v1.ComputerInfo.$Shape;
             *   (properties?: tollgate.v1.ComputerInfo.$Properties): tollgate.v1.ComputerInfo;
             * }}
             */
            ComputerInfo.create = function(properties) {
                return new ComputerInfo(properties);
            };

            /**
             * Encodes the specified ComputerInfo message. Does not implicitly {@link tollgate.v1.ComputerInfo.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ComputerInfo
             * @static
             * @param {tollgate.v1.ComputerInfo.$Properties} message ComputerInfo message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ComputerInfo.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.id);
                if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.name);
                if (message.group != null && $Object.hasOwnProperty.call(message, "group") && message.group !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.group);
                if (message.groupName != null && $Object.hasOwnProperty.call(message, "groupName") && message.groupName !== "")
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.groupName);
                if (message.org != null && $Object.hasOwnProperty.call(message, "org") && message.org !== "")
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.org);
                if (message.os != null && $Object.hasOwnProperty.call(message, "os") && message.os !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).int32(message.os);
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                    writer.uint32(/* id 7, wireType 2 =*/58).string(message.agentVersion);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ComputerInfo message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ComputerInfo
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ComputerInfo & tollgate.v1.ComputerInfo.$Shape} ComputerInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ComputerInfo.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ComputerInfo();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.name = reader.stringVerify();
                            message._name = "name";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.group = value;
                            else
                                delete message.group;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.groupName = value;
                            else
                                delete message.groupName;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.org = value;
                            else
                                delete message.org;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.os = value;
                            else
                                delete message.os;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.agentVersion = value;
                            else
                                delete message.agentVersion;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ComputerInfo;
        })();

        v1.ComputerView = (function() {

            /**
             * Properties of a ComputerView.
             * @typedef {Object} tollgate.v1.ComputerView.$Properties
             * @property {tollgate.v1.ComputerInfo.$Properties|null} [computer] ComputerView computer
             * @property {tollgate.v1.Structure|null} [orgStructure] ComputerView orgStructure
             * @property {Array.<string>|null} [modules] ComputerView modules
             * @property {Array.<tollgate.v1.Policy.$Properties>|null} [policies] ComputerView policies
             * @property {Array.<tollgate.v1.Application.$Properties>|null} [applications] ComputerView applications
             * @property {Array.<tollgate.v1.Setting.$Properties>|null} [settings] ComputerView settings
             * @property {Array.<tollgate.v1.Gate.$Properties>|null} [gates] ComputerView gates
             * @property {Array.<tollgate.v1.ApprovalPolicy.$Properties>|null} [approvalPolicies] ComputerView approvalPolicies
             * @property {tollgate.v1.PermitTarget|null} [permitTarget] ComputerView permitTarget
             * @property {string|null} [instructions] ComputerView instructions
             * @property {Array.<string>|null} [escalationEmails] ComputerView escalationEmails
             * @property {Array.<string>|null} [approvalWarnings] ComputerView approvalWarnings
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ComputerView.
             * @memberof tollgate.v1
             * @interface IComputerView
             * @augments tollgate.v1.ComputerView.$Properties
             * @deprecated Use tollgate.v1.ComputerView.$Properties instead.
             */

            /**
             * Shape of a ComputerView.
             * @typedef {{
             *   computer?: tollgate.v1.ComputerInfo.$Shape|null;
             *   orgStructure?: tollgate.v1.Structure|null;
             *   modules?: Array.<string>|null;
             *   policies?: Array.<tollgate.v1.Policy.$Shape>|null;
             *   applications?: Array.<tollgate.v1.Application.$Shape>|null;
             *   settings?: Array.<tollgate.v1.Setting.$Shape>|null;
             *   gates?: Array.<tollgate.v1.Gate.$Shape>|null;
             *   approvalPolicies?: Array.<tollgate.v1.ApprovalPolicy.$Shape>|null;
             *   permitTarget?: tollgate.v1.PermitTarget|null;
             *   instructions?: string|null;
             *   escalationEmails?: Array.<string>|null;
             *   approvalWarnings?: Array.<string>|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tollgate.v1.ComputerView.$Shape
             */

            /**
             * Constructs a new ComputerView.
             * @memberof tollgate.v1
             * @classdesc Represents a ComputerView.
             * @constructor
             * @param {tollgate.v1.ComputerView.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ComputerView = function (properties) {
                this.modules = [];
                this.policies = [];
                this.applications = [];
                this.settings = [];
                this.gates = [];
                this.approvalPolicies = [];
                this.escalationEmails = [];
                this.approvalWarnings = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ComputerView computer.
             * @member {tollgate.v1.ComputerInfo.$Properties|null|undefined} computer
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.computer = null;

            /**
             * ComputerView orgStructure.
             * @member {tollgate.v1.Structure} orgStructure
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.orgStructure = 0;

            /**
             * ComputerView modules.
             * @member {Array.<string>} modules
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.modules = $util.emptyArray;

            /**
             * ComputerView policies.
             * @member {Array.<tollgate.v1.Policy.$Properties>} policies
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.policies = $util.emptyArray;

            /**
             * ComputerView applications.
             * @member {Array.<tollgate.v1.Application.$Properties>} applications
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.applications = $util.emptyArray;

            /**
             * ComputerView settings.
             * @member {Array.<tollgate.v1.Setting.$Properties>} settings
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.settings = $util.emptyArray;

            /**
             * ComputerView gates.
             * @member {Array.<tollgate.v1.Gate.$Properties>} gates
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.gates = $util.emptyArray;

            /**
             * ComputerView approvalPolicies.
             * @member {Array.<tollgate.v1.ApprovalPolicy.$Properties>} approvalPolicies
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.approvalPolicies = $util.emptyArray;

            /**
             * ComputerView permitTarget.
             * @member {tollgate.v1.PermitTarget} permitTarget
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.permitTarget = 0;

            /**
             * ComputerView instructions.
             * @member {string} instructions
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.instructions = "";

            /**
             * ComputerView escalationEmails.
             * @member {Array.<string>} escalationEmails
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.escalationEmails = $util.emptyArray;

            /**
             * ComputerView approvalWarnings.
             * @member {Array.<string>} approvalWarnings
             * @memberof tollgate.v1.ComputerView
             * @instance
             */
            ComputerView.prototype.approvalWarnings = $util.emptyArray;

            /**
             * Creates a new ComputerView instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ComputerView
             * @static
             * @param {tollgate.v1.ComputerView.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ComputerView} ComputerView instance
             * @type {{
             *   (properties: tollgate.v1.ComputerView.$Shape): tollgate.v1.ComputerView & tollgate.v1.ComputerView.$Shape;
             *   (properties?: tollgate.v1.ComputerView.$Properties): tollgate.v1.ComputerView;
             * }}
             */
            ComputerView.create = function(properties) {
                return new ComputerView(properties);
            };

            /**
             * Encodes the specified ComputerView message. Does not implicitly {@link tollgate.v1.ComputerView.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ComputerView
             * @static
             * @param {tollgate.v1.ComputerView.$Properties} message ComputerView message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ComputerView.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.computer != null && $Object.hasOwnProperty.call(message, "computer"))
                    $root.tollgate.v1.ComputerInfo.encode(message.computer, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.orgStructure != null && $Object.hasOwnProperty.call(message, "orgStructure") && message.orgStructure !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).int32(message.orgStructure);
                if (message.modules != null && message.modules.length)
                    for (let i = 0; i < message.modules.length; ++i)
                        writer.uint32(/* id 3, wireType 2 =*/26).string(message.modules[i]);
                if (message.policies != null && message.policies.length)
                    for (let i = 0; i < message.policies.length; ++i)
                        $root.tollgate.v1.Policy.encode(message.policies[i], writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.applications != null && message.applications.length)
                    for (let i = 0; i < message.applications.length; ++i)
                        $root.tollgate.v1.Application.encode(message.applications[i], writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.settings != null && message.settings.length)
                    for (let i = 0; i < message.settings.length; ++i)
                        $root.tollgate.v1.Setting.encode(message.settings[i], writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.gates != null && message.gates.length)
                    for (let i = 0; i < message.gates.length; ++i)
                        $root.tollgate.v1.Gate.encode(message.gates[i], writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.approvalPolicies != null && message.approvalPolicies.length)
                    for (let i = 0; i < message.approvalPolicies.length; ++i)
                        $root.tollgate.v1.ApprovalPolicy.encode(message.approvalPolicies[i], writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                if (message.permitTarget != null && $Object.hasOwnProperty.call(message, "permitTarget") && message.permitTarget !== 0)
                    writer.uint32(/* id 9, wireType 0 =*/72).int32(message.permitTarget);
                if (message.instructions != null && $Object.hasOwnProperty.call(message, "instructions") && message.instructions !== "")
                    writer.uint32(/* id 10, wireType 2 =*/82).string(message.instructions);
                if (message.escalationEmails != null && message.escalationEmails.length)
                    for (let i = 0; i < message.escalationEmails.length; ++i)
                        writer.uint32(/* id 11, wireType 2 =*/90).string(message.escalationEmails[i]);
                if (message.approvalWarnings != null && message.approvalWarnings.length)
                    for (let i = 0; i < message.approvalWarnings.length; ++i)
                        writer.uint32(/* id 12, wireType 2 =*/98).string(message.approvalWarnings[i]);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ComputerView message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ComputerView
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ComputerView & tollgate.v1.ComputerView.$Shape} ComputerView
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ComputerView.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ComputerView();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.computer = $root.tollgate.v1.ComputerInfo.decode(reader, reader.size(), $undefined, _depth + 1, message.computer);
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.orgStructure = value;
                            else
                                delete message.orgStructure;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (!(message.modules && message.modules.length))
                                message.modules = [];
                            message.modules.push(reader.stringVerify());
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if (!(message.policies && message.policies.length))
                                message.policies = [];
                            message.policies.push($root.tollgate.v1.Policy.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if (!(message.applications && message.applications.length))
                                message.applications = [];
                            message.applications.push($root.tollgate.v1.Application.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            if (!(message.settings && message.settings.length))
                                message.settings = [];
                            message.settings.push($root.tollgate.v1.Setting.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if (!(message.gates && message.gates.length))
                                message.gates = [];
                            message.gates.push($root.tollgate.v1.Gate.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            if (!(message.approvalPolicies && message.approvalPolicies.length))
                                message.approvalPolicies = [];
                            message.approvalPolicies.push($root.tollgate.v1.ApprovalPolicy.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.permitTarget = value;
                            else
                                delete message.permitTarget;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.instructions = value;
                            else
                                delete message.instructions;
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            if (!(message.escalationEmails && message.escalationEmails.length))
                                message.escalationEmails = [];
                            message.escalationEmails.push(reader.stringVerify());
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            if (!(message.approvalWarnings && message.approvalWarnings.length))
                                message.approvalWarnings = [];
                            message.approvalWarnings.push(reader.stringVerify());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ComputerView;
        })();

        /**
         * PayloadKind enum.
         * @name tollgate.v1.PayloadKind
         * @enum {number}
         * @property {number} PAYLOAD_KIND_UNSPECIFIED=0 PAYLOAD_KIND_UNSPECIFIED value
         * @property {number} PAYLOAD_KIND_SNAPSHOT=1 PAYLOAD_KIND_SNAPSHOT value
         * @property {number} PAYLOAD_KIND_SETTINGS=2 PAYLOAD_KIND_SETTINGS value
         * @property {number} PAYLOAD_KIND_DELTA=3 PAYLOAD_KIND_DELTA value
         */
        v1.PayloadKind = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "PAYLOAD_KIND_UNSPECIFIED"] = 0;
            values[valuesById[1] = "PAYLOAD_KIND_SNAPSHOT"] = 1;
            values[valuesById[2] = "PAYLOAD_KIND_SETTINGS"] = 2;
            values[valuesById[3] = "PAYLOAD_KIND_DELTA"] = 3;
            return values;
        })();

        v1.SnapshotPayload = (function() {

            /**
             * Properties of a SnapshotPayload.
             * @typedef {Object} tollgate.v1.SnapshotPayload.$Properties
             * @property {string|null} [computerId] SnapshotPayload computerId
             * @property {number|null} [version] SnapshotPayload version
             * @property {number|null} [issuedAtMs] SnapshotPayload issuedAtMs
             * @property {number|null} [settingsVersion] SnapshotPayload settingsVersion
             * @property {tollgate.v1.ComputerView.$Properties|null} [view] SnapshotPayload view
             * @property {tollgate.v1.PayloadKind|null} [kind] SnapshotPayload kind
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SnapshotPayload.
             * @memberof tollgate.v1
             * @interface ISnapshotPayload
             * @augments tollgate.v1.SnapshotPayload.$Properties
             * @deprecated Use tollgate.v1.SnapshotPayload.$Properties instead.
             */

            /**
             * Shape of a SnapshotPayload.
             * @typedef {{
             *   computerId?: string|null;
             *   version?: number|null;
             *   issuedAtMs?: number|null;
             *   settingsVersion?: number|null;
             *   view?: tollgate.v1.ComputerView.$Shape|null;
             *   kind?: tollgate.v1.PayloadKind|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tollgate.v1.SnapshotPayload.$Shape
             */

            /**
             * Constructs a new SnapshotPayload.
             * @memberof tollgate.v1
             * @classdesc Represents a SnapshotPayload.
             * @constructor
             * @param {tollgate.v1.SnapshotPayload.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SnapshotPayload = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * SnapshotPayload computerId.
             * @member {string} computerId
             * @memberof tollgate.v1.SnapshotPayload
             * @instance
             */
            SnapshotPayload.prototype.computerId = "";

            /**
             * SnapshotPayload version.
             * @member {number} version
             * @memberof tollgate.v1.SnapshotPayload
             * @instance
             */
            SnapshotPayload.prototype.version = 0;

            /**
             * SnapshotPayload issuedAtMs.
             * @member {number} issuedAtMs
             * @memberof tollgate.v1.SnapshotPayload
             * @instance
             */
            SnapshotPayload.prototype.issuedAtMs = 0;

            /**
             * SnapshotPayload settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.SnapshotPayload
             * @instance
             */
            SnapshotPayload.prototype.settingsVersion = 0;

            /**
             * SnapshotPayload view.
             * @member {tollgate.v1.ComputerView.$Properties|null|undefined} view
             * @memberof tollgate.v1.SnapshotPayload
             * @instance
             */
            SnapshotPayload.prototype.view = null;

            /**
             * SnapshotPayload kind.
             * @member {tollgate.v1.PayloadKind} kind
             * @memberof tollgate.v1.SnapshotPayload
             * @instance
             */
            SnapshotPayload.prototype.kind = 0;

            /**
             * Creates a new SnapshotPayload instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.SnapshotPayload
             * @static
             * @param {tollgate.v1.SnapshotPayload.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.SnapshotPayload} SnapshotPayload instance
             * @type {{
             *   (properties: tollgate.v1.SnapshotPayload.$Shape): tollgate.v1.SnapshotPayload & tollgate.v1.SnapshotPayload.$Shape;
             *   (properties?: tollgate.v1.SnapshotPayload.$Properties): tollgate.v1.SnapshotPayload;
             * }}
             */
            SnapshotPayload.create = function(properties) {
                return new SnapshotPayload(properties);
            };

            /**
             * Encodes the specified SnapshotPayload message. Does not implicitly {@link tollgate.v1.SnapshotPayload.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.SnapshotPayload
             * @static
             * @param {tollgate.v1.SnapshotPayload.$Properties} message SnapshotPayload message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SnapshotPayload.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.computerId != null && $Object.hasOwnProperty.call(message, "computerId") && message.computerId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.computerId);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.version);
                if (message.issuedAtMs != null && $Object.hasOwnProperty.call(message, "issuedAtMs") && !$Object.is(message.issuedAtMs, 0))
                    writer.uint32(/* id 3, wireType 1 =*/25).double(message.issuedAtMs);
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.settingsVersion);
                if (message.view != null && $Object.hasOwnProperty.call(message, "view"))
                    $root.tollgate.v1.ComputerView.encode(message.view, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).int32(message.kind);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a SnapshotPayload message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.SnapshotPayload
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.SnapshotPayload & tollgate.v1.SnapshotPayload.$Shape} SnapshotPayload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SnapshotPayload.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.SnapshotPayload();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.computerId = value;
                            else
                                delete message.computerId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.issuedAtMs = value;
                            else
                                delete message.issuedAtMs;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.view = $root.tollgate.v1.ComputerView.decode(reader, reader.size(), $undefined, _depth + 1, message.view);
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.kind = value;
                            else
                                delete message.kind;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return SnapshotPayload;
        })();

        v1.SignedSnapshot = (function() {

            /**
             * Properties of a SignedSnapshot.
             * @typedef {Object} tollgate.v1.SignedSnapshot.$Properties
             * @property {Uint8Array|null} [payload] SignedSnapshot payload
             * @property {Uint8Array|null} [signature] SignedSnapshot signature
             * @property {string|null} [keyId] SignedSnapshot keyId
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SignedSnapshot.
             * @memberof tollgate.v1
             * @interface ISignedSnapshot
             * @augments tollgate.v1.SignedSnapshot.$Properties
             * @deprecated Use tollgate.v1.SignedSnapshot.$Properties instead.
             */

            /**
             * Shape of a SignedSnapshot.
             * @typedef {tollgate.v1.SignedSnapshot.$Properties} tollgate.v1.SignedSnapshot.$Shape
             */

            /**
             * Constructs a new SignedSnapshot.
             * @memberof tollgate.v1
             * @classdesc Represents a SignedSnapshot.
             * @constructor
             * @param {tollgate.v1.SignedSnapshot.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SignedSnapshot = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * SignedSnapshot payload.
             * @member {Uint8Array} payload
             * @memberof tollgate.v1.SignedSnapshot
             * @instance
             */
            SignedSnapshot.prototype.payload = $util.newBuffer([]);

            /**
             * SignedSnapshot signature.
             * @member {Uint8Array} signature
             * @memberof tollgate.v1.SignedSnapshot
             * @instance
             */
            SignedSnapshot.prototype.signature = $util.newBuffer([]);

            /**
             * SignedSnapshot keyId.
             * @member {string} keyId
             * @memberof tollgate.v1.SignedSnapshot
             * @instance
             */
            SignedSnapshot.prototype.keyId = "";

            /**
             * Creates a new SignedSnapshot instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.SignedSnapshot
             * @static
             * @param {tollgate.v1.SignedSnapshot.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.SignedSnapshot} SignedSnapshot instance
             * @type {{
             *   (properties: tollgate.v1.SignedSnapshot.$Shape): tollgate.v1.SignedSnapshot & tollgate.v1.SignedSnapshot.$Shape;
             *   (properties?: tollgate.v1.SignedSnapshot.$Properties): tollgate.v1.SignedSnapshot;
             * }}
             */
            SignedSnapshot.create = function(properties) {
                return new SignedSnapshot(properties);
            };

            /**
             * Encodes the specified SignedSnapshot message. Does not implicitly {@link tollgate.v1.SignedSnapshot.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.SignedSnapshot
             * @static
             * @param {tollgate.v1.SignedSnapshot.$Properties} message SignedSnapshot message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SignedSnapshot.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.payload != null && $Object.hasOwnProperty.call(message, "payload") && message.payload.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.payload);
                if (message.signature != null && $Object.hasOwnProperty.call(message, "signature") && message.signature.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.signature);
                if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.keyId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a SignedSnapshot message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.SignedSnapshot
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.SignedSnapshot & tollgate.v1.SignedSnapshot.$Shape} SignedSnapshot
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SignedSnapshot.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.SignedSnapshot();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.payload = value;
                            else
                                delete message.payload;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.signature = value;
                            else
                                delete message.signature;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.keyId = value;
                            else
                                delete message.keyId;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return SignedSnapshot;
        })();

        v1.SettingsPayload = (function() {

            /**
             * Properties of a SettingsPayload.
             * @typedef {Object} tollgate.v1.SettingsPayload.$Properties
             * @property {string|null} [computerId] SettingsPayload computerId
             * @property {number|null} [settingsVersion] SettingsPayload settingsVersion
             * @property {number|null} [issuedAtMs] SettingsPayload issuedAtMs
             * @property {Array.<tollgate.v1.Setting.$Properties>|null} [settings] SettingsPayload settings
             * @property {boolean|null} [hasSources] SettingsPayload hasSources
             * @property {tollgate.v1.PayloadKind|null} [kind] SettingsPayload kind
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SettingsPayload.
             * @memberof tollgate.v1
             * @interface ISettingsPayload
             * @augments tollgate.v1.SettingsPayload.$Properties
             * @deprecated Use tollgate.v1.SettingsPayload.$Properties instead.
             */

            /**
             * Shape of a SettingsPayload.
             * @typedef {{
             *   computerId?: string|null;
             *   settingsVersion?: number|null;
             *   issuedAtMs?: number|null;
             *   settings?: Array.<tollgate.v1.Setting.$Shape>|null;
             *   hasSources?: boolean|null;
             *   kind?: tollgate.v1.PayloadKind|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tollgate.v1.SettingsPayload.$Shape
             */

            /**
             * Constructs a new SettingsPayload.
             * @memberof tollgate.v1
             * @classdesc Represents a SettingsPayload.
             * @constructor
             * @param {tollgate.v1.SettingsPayload.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SettingsPayload = function (properties) {
                this.settings = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * SettingsPayload computerId.
             * @member {string} computerId
             * @memberof tollgate.v1.SettingsPayload
             * @instance
             */
            SettingsPayload.prototype.computerId = "";

            /**
             * SettingsPayload settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.SettingsPayload
             * @instance
             */
            SettingsPayload.prototype.settingsVersion = 0;

            /**
             * SettingsPayload issuedAtMs.
             * @member {number} issuedAtMs
             * @memberof tollgate.v1.SettingsPayload
             * @instance
             */
            SettingsPayload.prototype.issuedAtMs = 0;

            /**
             * SettingsPayload settings.
             * @member {Array.<tollgate.v1.Setting.$Properties>} settings
             * @memberof tollgate.v1.SettingsPayload
             * @instance
             */
            SettingsPayload.prototype.settings = $util.emptyArray;

            /**
             * SettingsPayload hasSources.
             * @member {boolean} hasSources
             * @memberof tollgate.v1.SettingsPayload
             * @instance
             */
            SettingsPayload.prototype.hasSources = false;

            /**
             * SettingsPayload kind.
             * @member {tollgate.v1.PayloadKind} kind
             * @memberof tollgate.v1.SettingsPayload
             * @instance
             */
            SettingsPayload.prototype.kind = 0;

            /**
             * Creates a new SettingsPayload instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.SettingsPayload
             * @static
             * @param {tollgate.v1.SettingsPayload.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.SettingsPayload} SettingsPayload instance
             * @type {{
             *   (properties: tollgate.v1.SettingsPayload.$Shape): tollgate.v1.SettingsPayload & tollgate.v1.SettingsPayload.$Shape;
             *   (properties?: tollgate.v1.SettingsPayload.$Properties): tollgate.v1.SettingsPayload;
             * }}
             */
            SettingsPayload.create = function(properties) {
                return new SettingsPayload(properties);
            };

            /**
             * Encodes the specified SettingsPayload message. Does not implicitly {@link tollgate.v1.SettingsPayload.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.SettingsPayload
             * @static
             * @param {tollgate.v1.SettingsPayload.$Properties} message SettingsPayload message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SettingsPayload.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.computerId != null && $Object.hasOwnProperty.call(message, "computerId") && message.computerId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.computerId);
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.settingsVersion);
                if (message.issuedAtMs != null && $Object.hasOwnProperty.call(message, "issuedAtMs") && !$Object.is(message.issuedAtMs, 0))
                    writer.uint32(/* id 3, wireType 1 =*/25).double(message.issuedAtMs);
                if (message.settings != null && message.settings.length)
                    for (let i = 0; i < message.settings.length; ++i)
                        $root.tollgate.v1.Setting.encode(message.settings[i], writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.hasSources != null && $Object.hasOwnProperty.call(message, "hasSources") && message.hasSources !== false)
                    writer.uint32(/* id 5, wireType 0 =*/40).bool(message.hasSources);
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).int32(message.kind);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a SettingsPayload message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.SettingsPayload
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.SettingsPayload & tollgate.v1.SettingsPayload.$Shape} SettingsPayload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SettingsPayload.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.SettingsPayload();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.computerId = value;
                            else
                                delete message.computerId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.issuedAtMs = value;
                            else
                                delete message.issuedAtMs;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if (!(message.settings && message.settings.length))
                                message.settings = [];
                            message.settings.push($root.tollgate.v1.Setting.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.hasSources = value;
                            else
                                delete message.hasSources;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.kind = value;
                            else
                                delete message.kind;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return SettingsPayload;
        })();

        v1.SignedSettings = (function() {

            /**
             * Properties of a SignedSettings.
             * @typedef {Object} tollgate.v1.SignedSettings.$Properties
             * @property {Uint8Array|null} [payload] SignedSettings payload
             * @property {Uint8Array|null} [signature] SignedSettings signature
             * @property {string|null} [keyId] SignedSettings keyId
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SignedSettings.
             * @memberof tollgate.v1
             * @interface ISignedSettings
             * @augments tollgate.v1.SignedSettings.$Properties
             * @deprecated Use tollgate.v1.SignedSettings.$Properties instead.
             */

            /**
             * Shape of a SignedSettings.
             * @typedef {tollgate.v1.SignedSettings.$Properties} tollgate.v1.SignedSettings.$Shape
             */

            /**
             * Constructs a new SignedSettings.
             * @memberof tollgate.v1
             * @classdesc Represents a SignedSettings.
             * @constructor
             * @param {tollgate.v1.SignedSettings.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SignedSettings = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * SignedSettings payload.
             * @member {Uint8Array} payload
             * @memberof tollgate.v1.SignedSettings
             * @instance
             */
            SignedSettings.prototype.payload = $util.newBuffer([]);

            /**
             * SignedSettings signature.
             * @member {Uint8Array} signature
             * @memberof tollgate.v1.SignedSettings
             * @instance
             */
            SignedSettings.prototype.signature = $util.newBuffer([]);

            /**
             * SignedSettings keyId.
             * @member {string} keyId
             * @memberof tollgate.v1.SignedSettings
             * @instance
             */
            SignedSettings.prototype.keyId = "";

            /**
             * Creates a new SignedSettings instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.SignedSettings
             * @static
             * @param {tollgate.v1.SignedSettings.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.SignedSettings} SignedSettings instance
             * @type {{
             *   (properties: tollgate.v1.SignedSettings.$Shape): tollgate.v1.SignedSettings & tollgate.v1.SignedSettings.$Shape;
             *   (properties?: tollgate.v1.SignedSettings.$Properties): tollgate.v1.SignedSettings;
             * }}
             */
            SignedSettings.create = function(properties) {
                return new SignedSettings(properties);
            };

            /**
             * Encodes the specified SignedSettings message. Does not implicitly {@link tollgate.v1.SignedSettings.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.SignedSettings
             * @static
             * @param {tollgate.v1.SignedSettings.$Properties} message SignedSettings message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SignedSettings.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.payload != null && $Object.hasOwnProperty.call(message, "payload") && message.payload.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.payload);
                if (message.signature != null && $Object.hasOwnProperty.call(message, "signature") && message.signature.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.signature);
                if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.keyId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a SignedSettings message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.SignedSettings
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.SignedSettings & tollgate.v1.SignedSettings.$Shape} SignedSettings
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SignedSettings.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.SignedSettings();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.payload = value;
                            else
                                delete message.payload;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.signature = value;
                            else
                                delete message.signature;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.keyId = value;
                            else
                                delete message.keyId;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return SignedSettings;
        })();

        v1.DeltaPayload = (function() {

            /**
             * Properties of a DeltaPayload.
             * @typedef {Object} tollgate.v1.DeltaPayload.$Properties
             * @property {string|null} [computerId] DeltaPayload computerId
             * @property {number|null} [baseVersion] DeltaPayload baseVersion
             * @property {Uint8Array|null} [baseViewHash] DeltaPayload baseViewHash
             * @property {number|null} [version] DeltaPayload version
             * @property {number|null} [settingsVersion] DeltaPayload settingsVersion
             * @property {number|null} [issuedAtMs] DeltaPayload issuedAtMs
             * @property {Uint8Array|null} [viewHash] DeltaPayload viewHash
             * @property {tollgate.v1.PayloadKind|null} [kind] DeltaPayload kind
             * @property {Array.<tollgate.v1.Policy.$Properties>|null} [policies] DeltaPayload policies
             * @property {Array.<number>|null} [policyPositions] DeltaPayload policyPositions
             * @property {Array.<string>|null} [removedPolicies] DeltaPayload removedPolicies
             * @property {Array.<tollgate.v1.Application.$Properties>|null} [applications] DeltaPayload applications
             * @property {Array.<number>|null} [applicationPositions] DeltaPayload applicationPositions
             * @property {Array.<string>|null} [removedApplications] DeltaPayload removedApplications
             * @property {Array.<number>|null} [replacedFields] DeltaPayload replacedFields
             * @property {tollgate.v1.ComputerView.$Properties|null} [replaced] DeltaPayload replaced
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a DeltaPayload.
             * @memberof tollgate.v1
             * @interface IDeltaPayload
             * @augments tollgate.v1.DeltaPayload.$Properties
             * @deprecated Use tollgate.v1.DeltaPayload.$Properties instead.
             */

            /**
             * Shape of a DeltaPayload.
             * @typedef {{
             *   computerId?: string|null;
             *   baseVersion?: number|null;
             *   baseViewHash?: Uint8Array|null;
             *   version?: number|null;
             *   settingsVersion?: number|null;
             *   issuedAtMs?: number|null;
             *   viewHash?: Uint8Array|null;
             *   kind?: tollgate.v1.PayloadKind|null;
             *   policies?: Array.<tollgate.v1.Policy.$Shape>|null;
             *   policyPositions?: Array.<number>|null;
             *   removedPolicies?: Array.<string>|null;
             *   applications?: Array.<tollgate.v1.Application.$Shape>|null;
             *   applicationPositions?: Array.<number>|null;
             *   removedApplications?: Array.<string>|null;
             *   replacedFields?: Array.<number>|null;
             *   replaced?: tollgate.v1.ComputerView.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tollgate.v1.DeltaPayload.$Shape
             */

            /**
             * Constructs a new DeltaPayload.
             * @memberof tollgate.v1
             * @classdesc Represents a DeltaPayload.
             * @constructor
             * @param {tollgate.v1.DeltaPayload.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const DeltaPayload = function (properties) {
                this.policies = [];
                this.policyPositions = [];
                this.removedPolicies = [];
                this.applications = [];
                this.applicationPositions = [];
                this.removedApplications = [];
                this.replacedFields = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * DeltaPayload computerId.
             * @member {string} computerId
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.computerId = "";

            /**
             * DeltaPayload baseVersion.
             * @member {number} baseVersion
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.baseVersion = 0;

            /**
             * DeltaPayload baseViewHash.
             * @member {Uint8Array} baseViewHash
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.baseViewHash = $util.newBuffer([]);

            /**
             * DeltaPayload version.
             * @member {number} version
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.version = 0;

            /**
             * DeltaPayload settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.settingsVersion = 0;

            /**
             * DeltaPayload issuedAtMs.
             * @member {number} issuedAtMs
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.issuedAtMs = 0;

            /**
             * DeltaPayload viewHash.
             * @member {Uint8Array} viewHash
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.viewHash = $util.newBuffer([]);

            /**
             * DeltaPayload kind.
             * @member {tollgate.v1.PayloadKind} kind
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.kind = 0;

            /**
             * DeltaPayload policies.
             * @member {Array.<tollgate.v1.Policy.$Properties>} policies
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.policies = $util.emptyArray;

            /**
             * DeltaPayload policyPositions.
             * @member {Array.<number>} policyPositions
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.policyPositions = $util.emptyArray;

            /**
             * DeltaPayload removedPolicies.
             * @member {Array.<string>} removedPolicies
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.removedPolicies = $util.emptyArray;

            /**
             * DeltaPayload applications.
             * @member {Array.<tollgate.v1.Application.$Properties>} applications
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.applications = $util.emptyArray;

            /**
             * DeltaPayload applicationPositions.
             * @member {Array.<number>} applicationPositions
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.applicationPositions = $util.emptyArray;

            /**
             * DeltaPayload removedApplications.
             * @member {Array.<string>} removedApplications
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.removedApplications = $util.emptyArray;

            /**
             * DeltaPayload replacedFields.
             * @member {Array.<number>} replacedFields
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.replacedFields = $util.emptyArray;

            /**
             * DeltaPayload replaced.
             * @member {tollgate.v1.ComputerView.$Properties|null|undefined} replaced
             * @memberof tollgate.v1.DeltaPayload
             * @instance
             */
            DeltaPayload.prototype.replaced = null;

            /**
             * Creates a new DeltaPayload instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.DeltaPayload
             * @static
             * @param {tollgate.v1.DeltaPayload.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.DeltaPayload} DeltaPayload instance
             * @type {{
             *   (properties: tollgate.v1.DeltaPayload.$Shape): tollgate.v1.DeltaPayload & tollgate.v1.DeltaPayload.$Shape;
             *   (properties?: tollgate.v1.DeltaPayload.$Properties): tollgate.v1.DeltaPayload;
             * }}
             */
            DeltaPayload.create = function(properties) {
                return new DeltaPayload(properties);
            };

            /**
             * Encodes the specified DeltaPayload message. Does not implicitly {@link tollgate.v1.DeltaPayload.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.DeltaPayload
             * @static
             * @param {tollgate.v1.DeltaPayload.$Properties} message DeltaPayload message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DeltaPayload.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.computerId != null && $Object.hasOwnProperty.call(message, "computerId") && message.computerId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.computerId);
                if (message.baseVersion != null && $Object.hasOwnProperty.call(message, "baseVersion") && message.baseVersion !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.baseVersion);
                if (message.baseViewHash != null && $Object.hasOwnProperty.call(message, "baseViewHash") && message.baseViewHash.length)
                    writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.baseViewHash);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.version);
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.settingsVersion);
                if (message.issuedAtMs != null && $Object.hasOwnProperty.call(message, "issuedAtMs") && !$Object.is(message.issuedAtMs, 0))
                    writer.uint32(/* id 6, wireType 1 =*/49).double(message.issuedAtMs);
                if (message.viewHash != null && $Object.hasOwnProperty.call(message, "viewHash") && message.viewHash.length)
                    writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.viewHash);
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== 0)
                    writer.uint32(/* id 8, wireType 0 =*/64).int32(message.kind);
                if (message.policies != null && message.policies.length)
                    for (let i = 0; i < message.policies.length; ++i)
                        $root.tollgate.v1.Policy.encode(message.policies[i], writer.uint32(/* id 9, wireType 2 =*/74).fork(), _depth + 1).ldelim();
                if (message.policyPositions != null && message.policyPositions.length)
                    writer.uint32(/* id 10, wireType 2 =*/82).uint32s(message.policyPositions);
                if (message.removedPolicies != null && message.removedPolicies.length)
                    for (let i = 0; i < message.removedPolicies.length; ++i)
                        writer.uint32(/* id 11, wireType 2 =*/90).string(message.removedPolicies[i]);
                if (message.applications != null && message.applications.length)
                    for (let i = 0; i < message.applications.length; ++i)
                        $root.tollgate.v1.Application.encode(message.applications[i], writer.uint32(/* id 12, wireType 2 =*/98).fork(), _depth + 1).ldelim();
                if (message.applicationPositions != null && message.applicationPositions.length)
                    writer.uint32(/* id 13, wireType 2 =*/106).uint32s(message.applicationPositions);
                if (message.removedApplications != null && message.removedApplications.length)
                    for (let i = 0; i < message.removedApplications.length; ++i)
                        writer.uint32(/* id 14, wireType 2 =*/114).string(message.removedApplications[i]);
                if (message.replacedFields != null && message.replacedFields.length)
                    writer.uint32(/* id 15, wireType 2 =*/122).uint32s(message.replacedFields);
                if (message.replaced != null && $Object.hasOwnProperty.call(message, "replaced"))
                    $root.tollgate.v1.ComputerView.encode(message.replaced, writer.uint32(/* id 16, wireType 2 =*/130).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a DeltaPayload message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.DeltaPayload
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.DeltaPayload & tollgate.v1.DeltaPayload.$Shape} DeltaPayload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DeltaPayload.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.DeltaPayload();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.computerId = value;
                            else
                                delete message.computerId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.baseVersion = value;
                            else
                                delete message.baseVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.baseViewHash = value;
                            else
                                delete message.baseViewHash;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.issuedAtMs = value;
                            else
                                delete message.issuedAtMs;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.viewHash = value;
                            else
                                delete message.viewHash;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.kind = value;
                            else
                                delete message.kind;
                            continue;
                        }
                    case 9: {
                            if (wireType !== 2)
                                break;
                            if (!(message.policies && message.policies.length))
                                message.policies = [];
                            message.policies.push($root.tollgate.v1.Policy.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 10: {
                            if (wireType === 2) {
                                if (!(message.policyPositions && message.policyPositions.length))
                                    message.policyPositions = [];
                                reader.uint32s(message.policyPositions);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.policyPositions && message.policyPositions.length))
                                message.policyPositions = [];
                            message.policyPositions.push(reader.uint32());
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            if (!(message.removedPolicies && message.removedPolicies.length))
                                message.removedPolicies = [];
                            message.removedPolicies.push(reader.stringVerify());
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            if (!(message.applications && message.applications.length))
                                message.applications = [];
                            message.applications.push($root.tollgate.v1.Application.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 13: {
                            if (wireType === 2) {
                                if (!(message.applicationPositions && message.applicationPositions.length))
                                    message.applicationPositions = [];
                                reader.uint32s(message.applicationPositions);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.applicationPositions && message.applicationPositions.length))
                                message.applicationPositions = [];
                            message.applicationPositions.push(reader.uint32());
                            continue;
                        }
                    case 14: {
                            if (wireType !== 2)
                                break;
                            if (!(message.removedApplications && message.removedApplications.length))
                                message.removedApplications = [];
                            message.removedApplications.push(reader.stringVerify());
                            continue;
                        }
                    case 15: {
                            if (wireType === 2) {
                                if (!(message.replacedFields && message.replacedFields.length))
                                    message.replacedFields = [];
                                reader.uint32s(message.replacedFields);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.replacedFields && message.replacedFields.length))
                                message.replacedFields = [];
                            message.replacedFields.push(reader.uint32());
                            continue;
                        }
                    case 16: {
                            if (wireType !== 2)
                                break;
                            message.replaced = $root.tollgate.v1.ComputerView.decode(reader, reader.size(), $undefined, _depth + 1, message.replaced);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return DeltaPayload;
        })();

        v1.SignedDelta = (function() {

            /**
             * Properties of a SignedDelta.
             * @typedef {Object} tollgate.v1.SignedDelta.$Properties
             * @property {Uint8Array|null} [payload] SignedDelta payload
             * @property {Uint8Array|null} [signature] SignedDelta signature
             * @property {string|null} [keyId] SignedDelta keyId
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SignedDelta.
             * @memberof tollgate.v1
             * @interface ISignedDelta
             * @augments tollgate.v1.SignedDelta.$Properties
             * @deprecated Use tollgate.v1.SignedDelta.$Properties instead.
             */

            /**
             * Shape of a SignedDelta.
             * @typedef {tollgate.v1.SignedDelta.$Properties} tollgate.v1.SignedDelta.$Shape
             */

            /**
             * Constructs a new SignedDelta.
             * @memberof tollgate.v1
             * @classdesc Represents a SignedDelta.
             * @constructor
             * @param {tollgate.v1.SignedDelta.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SignedDelta = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * SignedDelta payload.
             * @member {Uint8Array} payload
             * @memberof tollgate.v1.SignedDelta
             * @instance
             */
            SignedDelta.prototype.payload = $util.newBuffer([]);

            /**
             * SignedDelta signature.
             * @member {Uint8Array} signature
             * @memberof tollgate.v1.SignedDelta
             * @instance
             */
            SignedDelta.prototype.signature = $util.newBuffer([]);

            /**
             * SignedDelta keyId.
             * @member {string} keyId
             * @memberof tollgate.v1.SignedDelta
             * @instance
             */
            SignedDelta.prototype.keyId = "";

            /**
             * Creates a new SignedDelta instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.SignedDelta
             * @static
             * @param {tollgate.v1.SignedDelta.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.SignedDelta} SignedDelta instance
             * @type {{
             *   (properties: tollgate.v1.SignedDelta.$Shape): tollgate.v1.SignedDelta & tollgate.v1.SignedDelta.$Shape;
             *   (properties?: tollgate.v1.SignedDelta.$Properties): tollgate.v1.SignedDelta;
             * }}
             */
            SignedDelta.create = function(properties) {
                return new SignedDelta(properties);
            };

            /**
             * Encodes the specified SignedDelta message. Does not implicitly {@link tollgate.v1.SignedDelta.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.SignedDelta
             * @static
             * @param {tollgate.v1.SignedDelta.$Properties} message SignedDelta message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            SignedDelta.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.payload != null && $Object.hasOwnProperty.call(message, "payload") && message.payload.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.payload);
                if (message.signature != null && $Object.hasOwnProperty.call(message, "signature") && message.signature.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.signature);
                if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.keyId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a SignedDelta message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.SignedDelta
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.SignedDelta & tollgate.v1.SignedDelta.$Shape} SignedDelta
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SignedDelta.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.SignedDelta();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.payload = value;
                            else
                                delete message.payload;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.signature = value;
                            else
                                delete message.signature;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.keyId = value;
                            else
                                delete message.keyId;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return SignedDelta;
        })();

        v1.Hello = (function() {

            /**
             * Properties of a Hello.
             * @typedef {Object} tollgate.v1.Hello.$Properties
             * @property {string|null} [computerId] Hello computerId
             * @property {string|null} [token] Hello token
             * @property {string|null} [agentVersion] Hello agentVersion
             * @property {tollgate.v1.Os|null} [os] Hello os
             * @property {number|null} [snapshotVersion] Hello snapshotVersion
             * @property {number|null} [settingsVersion] Hello settingsVersion
             * @property {Uint8Array|null} [viewHash] Hello viewHash
             * @property {string|null} [tollgateVersion] Hello tollgateVersion
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Hello.
             * @memberof tollgate.v1
             * @interface IHello
             * @augments tollgate.v1.Hello.$Properties
             * @deprecated Use tollgate.v1.Hello.$Properties instead.
             */

            /**
             * Shape of a Hello.
             * @typedef {tollgate.v1.Hello.$Properties} tollgate.v1.Hello.$Shape
             */

            /**
             * Constructs a new Hello.
             * @memberof tollgate.v1
             * @classdesc Represents a Hello.
             * @constructor
             * @param {tollgate.v1.Hello.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Hello = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Hello computerId.
             * @member {string} computerId
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.computerId = "";

            /**
             * Hello token.
             * @member {string} token
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.token = "";

            /**
             * Hello agentVersion.
             * @member {string} agentVersion
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.agentVersion = "";

            /**
             * Hello os.
             * @member {tollgate.v1.Os} os
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.os = 0;

            /**
             * Hello snapshotVersion.
             * @member {number} snapshotVersion
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.snapshotVersion = 0;

            /**
             * Hello settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.settingsVersion = 0;

            /**
             * Hello viewHash.
             * @member {Uint8Array} viewHash
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.viewHash = $util.newBuffer([]);

            /**
             * Hello tollgateVersion.
             * @member {string} tollgateVersion
             * @memberof tollgate.v1.Hello
             * @instance
             */
            Hello.prototype.tollgateVersion = "";

            /**
             * Creates a new Hello instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Hello
             * @static
             * @param {tollgate.v1.Hello.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Hello} Hello instance
             * @type {{
             *   (properties: tollgate.v1.Hello.$Shape): tollgate.v1.Hello & tollgate.v1.Hello.$Shape;
             *   (properties?: tollgate.v1.Hello.$Properties): tollgate.v1.Hello;
             * }}
             */
            Hello.create = function(properties) {
                return new Hello(properties);
            };

            /**
             * Encodes the specified Hello message. Does not implicitly {@link tollgate.v1.Hello.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Hello
             * @static
             * @param {tollgate.v1.Hello.$Properties} message Hello message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Hello.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.computerId != null && $Object.hasOwnProperty.call(message, "computerId") && message.computerId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.computerId);
                if (message.token != null && $Object.hasOwnProperty.call(message, "token") && message.token !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.token);
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.agentVersion);
                if (message.os != null && $Object.hasOwnProperty.call(message, "os") && message.os !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).int32(message.os);
                if (message.snapshotVersion != null && $Object.hasOwnProperty.call(message, "snapshotVersion") && message.snapshotVersion !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.snapshotVersion);
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.settingsVersion);
                if (message.viewHash != null && $Object.hasOwnProperty.call(message, "viewHash") && message.viewHash.length)
                    writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.viewHash);
                if (message.tollgateVersion != null && $Object.hasOwnProperty.call(message, "tollgateVersion") && message.tollgateVersion !== "")
                    writer.uint32(/* id 8, wireType 2 =*/66).string(message.tollgateVersion);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Hello message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Hello
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Hello & tollgate.v1.Hello.$Shape} Hello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Hello.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Hello();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.computerId = value;
                            else
                                delete message.computerId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.token = value;
                            else
                                delete message.token;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.agentVersion = value;
                            else
                                delete message.agentVersion;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.os = value;
                            else
                                delete message.os;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.snapshotVersion = value;
                            else
                                delete message.snapshotVersion;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.viewHash = value;
                            else
                                delete message.viewHash;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.tollgateVersion = value;
                            else
                                delete message.tollgateVersion;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Hello;
        })();

        v1.Ack = (function() {

            /**
             * Properties of an Ack.
             * @typedef {Object} tollgate.v1.Ack.$Properties
             * @property {number|null} [snapshotVersion] Ack snapshotVersion
             * @property {number|null} [settingsVersion] Ack settingsVersion
             * @property {string|null} [error] Ack error
             * @property {Uint8Array|null} [viewHash] Ack viewHash
             * @property {string|null} [errorCode] Ack errorCode
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Ack.
             * @memberof tollgate.v1
             * @interface IAck
             * @augments tollgate.v1.Ack.$Properties
             * @deprecated Use tollgate.v1.Ack.$Properties instead.
             */

            /**
             * Shape of an Ack.
             * @typedef {tollgate.v1.Ack.$Properties} tollgate.v1.Ack.$Shape
             */

            /**
             * Constructs a new Ack.
             * @memberof tollgate.v1
             * @classdesc Represents an Ack.
             * @constructor
             * @param {tollgate.v1.Ack.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Ack = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Ack snapshotVersion.
             * @member {number} snapshotVersion
             * @memberof tollgate.v1.Ack
             * @instance
             */
            Ack.prototype.snapshotVersion = 0;

            /**
             * Ack settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.Ack
             * @instance
             */
            Ack.prototype.settingsVersion = 0;

            /**
             * Ack error.
             * @member {string} error
             * @memberof tollgate.v1.Ack
             * @instance
             */
            Ack.prototype.error = "";

            /**
             * Ack viewHash.
             * @member {Uint8Array} viewHash
             * @memberof tollgate.v1.Ack
             * @instance
             */
            Ack.prototype.viewHash = $util.newBuffer([]);

            /**
             * Ack errorCode.
             * @member {string} errorCode
             * @memberof tollgate.v1.Ack
             * @instance
             */
            Ack.prototype.errorCode = "";

            /**
             * Creates a new Ack instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Ack
             * @static
             * @param {tollgate.v1.Ack.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Ack} Ack instance
             * @type {{
             *   (properties: tollgate.v1.Ack.$Shape): tollgate.v1.Ack & tollgate.v1.Ack.$Shape;
             *   (properties?: tollgate.v1.Ack.$Properties): tollgate.v1.Ack;
             * }}
             */
            Ack.create = function(properties) {
                return new Ack(properties);
            };

            /**
             * Encodes the specified Ack message. Does not implicitly {@link tollgate.v1.Ack.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Ack
             * @static
             * @param {tollgate.v1.Ack.$Properties} message Ack message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Ack.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.snapshotVersion != null && $Object.hasOwnProperty.call(message, "snapshotVersion") && message.snapshotVersion !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.snapshotVersion);
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.settingsVersion);
                if (message.error != null && $Object.hasOwnProperty.call(message, "error") && message.error !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.error);
                if (message.viewHash != null && $Object.hasOwnProperty.call(message, "viewHash") && message.viewHash.length)
                    writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.viewHash);
                if (message.errorCode != null && $Object.hasOwnProperty.call(message, "errorCode") && message.errorCode !== "")
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.errorCode);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Ack message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Ack
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Ack & tollgate.v1.Ack.$Shape} Ack
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Ack.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Ack();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.snapshotVersion = value;
                            else
                                delete message.snapshotVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.error = value;
                            else
                                delete message.error;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.viewHash = value;
                            else
                                delete message.viewHash;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.errorCode = value;
                            else
                                delete message.errorCode;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Ack;
        })();

        v1.ApprovalSubmission = (function() {

            /**
             * Properties of an ApprovalSubmission.
             * @typedef {Object} tollgate.v1.ApprovalSubmission.$Properties
             * @property {string|null} [requestId] ApprovalSubmission requestId
             * @property {number|null} [submittedAtMs] ApprovalSubmission submittedAtMs
             * @property {tollgate.v1.FileInfo.$Properties|null} [file] ApprovalSubmission file
             * @property {string|null} [user] ApprovalSubmission user
             * @property {string|null} [reason] ApprovalSubmission reason
             * @property {tollgate.v1.ApprovalQuery.$Properties|null} [query] ApprovalSubmission query
             * @property {tollgate.v1.Suggestion.$Properties|null} [suggestion] ApprovalSubmission suggestion
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ApprovalSubmission.
             * @memberof tollgate.v1
             * @interface IApprovalSubmission
             * @augments tollgate.v1.ApprovalSubmission.$Properties
             * @deprecated Use tollgate.v1.ApprovalSubmission.$Properties instead.
             */

            /**
             * Shape of an ApprovalSubmission.
             * @typedef {tollgate.v1.ApprovalSubmission.$Properties} tollgate.v1.ApprovalSubmission.$Shape
             */

            /**
             * Constructs a new ApprovalSubmission.
             * @memberof tollgate.v1
             * @classdesc Represents an ApprovalSubmission.
             * @constructor
             * @param {tollgate.v1.ApprovalSubmission.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ApprovalSubmission = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ApprovalSubmission requestId.
             * @member {string} requestId
             * @memberof tollgate.v1.ApprovalSubmission
             * @instance
             */
            ApprovalSubmission.prototype.requestId = "";

            /**
             * ApprovalSubmission submittedAtMs.
             * @member {number} submittedAtMs
             * @memberof tollgate.v1.ApprovalSubmission
             * @instance
             */
            ApprovalSubmission.prototype.submittedAtMs = 0;

            /**
             * ApprovalSubmission file.
             * @member {tollgate.v1.FileInfo.$Properties|null|undefined} file
             * @memberof tollgate.v1.ApprovalSubmission
             * @instance
             */
            ApprovalSubmission.prototype.file = null;

            /**
             * ApprovalSubmission user.
             * @member {string} user
             * @memberof tollgate.v1.ApprovalSubmission
             * @instance
             */
            ApprovalSubmission.prototype.user = "";

            /**
             * ApprovalSubmission reason.
             * @member {string} reason
             * @memberof tollgate.v1.ApprovalSubmission
             * @instance
             */
            ApprovalSubmission.prototype.reason = "";

            /**
             * ApprovalSubmission query.
             * @member {tollgate.v1.ApprovalQuery.$Properties|null|undefined} query
             * @memberof tollgate.v1.ApprovalSubmission
             * @instance
             */
            ApprovalSubmission.prototype.query = null;

            /**
             * ApprovalSubmission suggestion.
             * @member {tollgate.v1.Suggestion.$Properties|null|undefined} suggestion
             * @memberof tollgate.v1.ApprovalSubmission
             * @instance
             */
            ApprovalSubmission.prototype.suggestion = null;

            /**
             * Creates a new ApprovalSubmission instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ApprovalSubmission
             * @static
             * @param {tollgate.v1.ApprovalSubmission.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ApprovalSubmission} ApprovalSubmission instance
             * @type {{
             *   (properties: tollgate.v1.ApprovalSubmission.$Shape): tollgate.v1.ApprovalSubmission & tollgate.v1.ApprovalSubmission.$Shape;
             *   (properties?: tollgate.v1.ApprovalSubmission.$Properties): tollgate.v1.ApprovalSubmission;
             * }}
             */
            ApprovalSubmission.create = function(properties) {
                return new ApprovalSubmission(properties);
            };

            /**
             * Encodes the specified ApprovalSubmission message. Does not implicitly {@link tollgate.v1.ApprovalSubmission.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ApprovalSubmission
             * @static
             * @param {tollgate.v1.ApprovalSubmission.$Properties} message ApprovalSubmission message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ApprovalSubmission.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.requestId != null && $Object.hasOwnProperty.call(message, "requestId") && message.requestId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.requestId);
                if (message.submittedAtMs != null && $Object.hasOwnProperty.call(message, "submittedAtMs") && !$Object.is(message.submittedAtMs, 0))
                    writer.uint32(/* id 2, wireType 1 =*/17).double(message.submittedAtMs);
                if (message.file != null && $Object.hasOwnProperty.call(message, "file"))
                    $root.tollgate.v1.FileInfo.encode(message.file, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.user != null && $Object.hasOwnProperty.call(message, "user") && message.user !== "")
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.user);
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.reason);
                if (message.query != null && $Object.hasOwnProperty.call(message, "query"))
                    $root.tollgate.v1.ApprovalQuery.encode(message.query, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.suggestion != null && $Object.hasOwnProperty.call(message, "suggestion"))
                    $root.tollgate.v1.Suggestion.encode(message.suggestion, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ApprovalSubmission message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ApprovalSubmission
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalSubmission & tollgate.v1.ApprovalSubmission.$Shape} ApprovalSubmission
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ApprovalSubmission.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ApprovalSubmission();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.requestId = value;
                            else
                                delete message.requestId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.submittedAtMs = value;
                            else
                                delete message.submittedAtMs;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.file = $root.tollgate.v1.FileInfo.decode(reader, reader.size(), $undefined, _depth + 1, message.file);
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.user = value;
                            else
                                delete message.user;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reason = value;
                            else
                                delete message.reason;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.query = $root.tollgate.v1.ApprovalQuery.decode(reader, reader.size(), $undefined, _depth + 1, message.query);
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.suggestion = $root.tollgate.v1.Suggestion.decode(reader, reader.size(), $undefined, _depth + 1, message.suggestion);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ApprovalSubmission;
        })();

        v1.AgentMessage = (function() {

            /**
             * Properties of an AgentMessage.
             * @typedef {Object} tollgate.v1.AgentMessage.$Properties
             * @property {tollgate.v1.Hello.$Properties|null} [hello] AgentMessage hello
             * @property {tollgate.v1.Ack.$Properties|null} [ack] AgentMessage ack
             * @property {tollgate.v1.ApprovalSubmission.$Properties|null} [approval] AgentMessage approval
             * @property {"hello"|"ack"|"approval"} [body] AgentMessage body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an AgentMessage.
             * @memberof tollgate.v1
             * @interface IAgentMessage
             * @augments tollgate.v1.AgentMessage.$Properties
             * @deprecated Use tollgate.v1.AgentMessage.$Properties instead.
             */

            /**
             * Narrowed shape of an AgentMessage.
             * @typedef {{
             *   hello?: tollgate.v1.Hello.$Shape|null;
             *   ack?: tollgate.v1.Ack.$Shape|null;
             *   approval?: tollgate.v1.ApprovalSubmission.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; hello?: null; ack?: null; approval?: null }|{ body?: "hello"; hello: tollgate.v1.Hello.$Shape; ack?: null; approval?: null }|{ body?: "ack"; hello?: null; ack: tollgate.v1.Ack.$Shape; approval?: null }|{ body?: "approval"; hello?: null; ack?: null; approval: tollgate.v1.ApprovalSubmission.$Shape })
             * )} tollgate.v1.AgentMessage.$Shape
             */

            /**
             * Constructs a new AgentMessage.
             * @memberof tollgate.v1
             * @classdesc Represents an AgentMessage.
             * @constructor
             * @param {tollgate.v1.AgentMessage.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const AgentMessage = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * AgentMessage hello.
             * @member {tollgate.v1.Hello.$Properties|null|undefined} hello
             * @memberof tollgate.v1.AgentMessage
             * @instance
             */
            AgentMessage.prototype.hello = null;

            /**
             * AgentMessage ack.
             * @member {tollgate.v1.Ack.$Properties|null|undefined} ack
             * @memberof tollgate.v1.AgentMessage
             * @instance
             */
            AgentMessage.prototype.ack = null;

            /**
             * AgentMessage approval.
             * @member {tollgate.v1.ApprovalSubmission.$Properties|null|undefined} approval
             * @memberof tollgate.v1.AgentMessage
             * @instance
             */
            AgentMessage.prototype.approval = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * AgentMessage body.
             * @member {"hello"|"ack"|"approval"|undefined} body
             * @memberof tollgate.v1.AgentMessage
             * @instance
             */
            $Object.defineProperty(AgentMessage.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["hello", "ack", "approval"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new AgentMessage instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.AgentMessage
             * @static
             * @param {tollgate.v1.AgentMessage.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.AgentMessage} AgentMessage instance
             * @type {{
             *   (properties: tollgate.v1.AgentMessage.$Shape): tollgate.v1.AgentMessage & tollgate.v1.AgentMessage.$Shape;
             *   (properties?: tollgate.v1.AgentMessage.$Properties): tollgate.v1.AgentMessage;
             * }}
             */
            AgentMessage.create = function(properties) {
                return new AgentMessage(properties);
            };

            /**
             * Encodes the specified AgentMessage message. Does not implicitly {@link tollgate.v1.AgentMessage.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.AgentMessage
             * @static
             * @param {tollgate.v1.AgentMessage.$Properties} message AgentMessage message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            AgentMessage.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.hello != null && $Object.hasOwnProperty.call(message, "hello"))
                    $root.tollgate.v1.Hello.encode(message.hello, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.ack != null && $Object.hasOwnProperty.call(message, "ack"))
                    $root.tollgate.v1.Ack.encode(message.ack, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.approval != null && $Object.hasOwnProperty.call(message, "approval"))
                    $root.tollgate.v1.ApprovalSubmission.encode(message.approval, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an AgentMessage message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.AgentMessage
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.AgentMessage & tollgate.v1.AgentMessage.$Shape} AgentMessage
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            AgentMessage.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.AgentMessage();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.hello = $root.tollgate.v1.Hello.decode(reader, reader.size(), $undefined, _depth + 1, message.hello);
                            message.body = "hello";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.ack = $root.tollgate.v1.Ack.decode(reader, reader.size(), $undefined, _depth + 1, message.ack);
                            message.body = "ack";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.approval = $root.tollgate.v1.ApprovalSubmission.decode(reader, reader.size(), $undefined, _depth + 1, message.approval);
                            message.body = "approval";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return AgentMessage;
        })();

        v1.UpToDate = (function() {

            /**
             * Properties of an UpToDate.
             * @typedef {Object} tollgate.v1.UpToDate.$Properties
             * @property {number|null} [snapshotVersion] UpToDate snapshotVersion
             * @property {number|null} [settingsVersion] UpToDate settingsVersion
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an UpToDate.
             * @memberof tollgate.v1
             * @interface IUpToDate
             * @augments tollgate.v1.UpToDate.$Properties
             * @deprecated Use tollgate.v1.UpToDate.$Properties instead.
             */

            /**
             * Shape of an UpToDate.
             * @typedef {tollgate.v1.UpToDate.$Properties} tollgate.v1.UpToDate.$Shape
             */

            /**
             * Constructs a new UpToDate.
             * @memberof tollgate.v1
             * @classdesc Represents an UpToDate.
             * @constructor
             * @param {tollgate.v1.UpToDate.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const UpToDate = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * UpToDate snapshotVersion.
             * @member {number} snapshotVersion
             * @memberof tollgate.v1.UpToDate
             * @instance
             */
            UpToDate.prototype.snapshotVersion = 0;

            /**
             * UpToDate settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.UpToDate
             * @instance
             */
            UpToDate.prototype.settingsVersion = 0;

            /**
             * Creates a new UpToDate instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.UpToDate
             * @static
             * @param {tollgate.v1.UpToDate.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.UpToDate} UpToDate instance
             * @type {{
             *   (properties: tollgate.v1.UpToDate.$Shape): tollgate.v1.UpToDate & tollgate.v1.UpToDate.$Shape;
             *   (properties?: tollgate.v1.UpToDate.$Properties): tollgate.v1.UpToDate;
             * }}
             */
            UpToDate.create = function(properties) {
                return new UpToDate(properties);
            };

            /**
             * Encodes the specified UpToDate message. Does not implicitly {@link tollgate.v1.UpToDate.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.UpToDate
             * @static
             * @param {tollgate.v1.UpToDate.$Properties} message UpToDate message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            UpToDate.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.snapshotVersion != null && $Object.hasOwnProperty.call(message, "snapshotVersion") && message.snapshotVersion !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.snapshotVersion);
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.settingsVersion);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an UpToDate message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.UpToDate
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.UpToDate & tollgate.v1.UpToDate.$Shape} UpToDate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            UpToDate.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.UpToDate();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.snapshotVersion = value;
                            else
                                delete message.snapshotVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return UpToDate;
        })();

        v1.Refusal = (function() {

            /**
             * Properties of a Refusal.
             * @typedef {Object} tollgate.v1.Refusal.$Properties
             * @property {string|null} [code] Refusal code
             * @property {string|null} [message] Refusal message
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Refusal.
             * @memberof tollgate.v1
             * @interface IRefusal
             * @augments tollgate.v1.Refusal.$Properties
             * @deprecated Use tollgate.v1.Refusal.$Properties instead.
             */

            /**
             * Shape of a Refusal.
             * @typedef {tollgate.v1.Refusal.$Properties} tollgate.v1.Refusal.$Shape
             */

            /**
             * Constructs a new Refusal.
             * @memberof tollgate.v1
             * @classdesc Represents a Refusal.
             * @constructor
             * @param {tollgate.v1.Refusal.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Refusal = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Refusal code.
             * @member {string} code
             * @memberof tollgate.v1.Refusal
             * @instance
             */
            Refusal.prototype.code = "";

            /**
             * Refusal message.
             * @member {string} message
             * @memberof tollgate.v1.Refusal
             * @instance
             */
            Refusal.prototype.message = "";

            /**
             * Creates a new Refusal instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Refusal
             * @static
             * @param {tollgate.v1.Refusal.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Refusal} Refusal instance
             * @type {{
             *   (properties: tollgate.v1.Refusal.$Shape): tollgate.v1.Refusal & tollgate.v1.Refusal.$Shape;
             *   (properties?: tollgate.v1.Refusal.$Properties): tollgate.v1.Refusal;
             * }}
             */
            Refusal.create = function(properties) {
                return new Refusal(properties);
            };

            /**
             * Encodes the specified Refusal message. Does not implicitly {@link tollgate.v1.Refusal.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Refusal
             * @static
             * @param {tollgate.v1.Refusal.$Properties} message Refusal message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Refusal.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.code != null && $Object.hasOwnProperty.call(message, "code") && message.code !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.code);
                if (message.message != null && $Object.hasOwnProperty.call(message, "message") && message.message !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.message);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Refusal message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Refusal
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Refusal & tollgate.v1.Refusal.$Shape} Refusal
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Refusal.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Refusal();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.code = value;
                            else
                                delete message.code;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.message = value;
                            else
                                delete message.message;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Refusal;
        })();

        v1.ApprovalReceipt = (function() {

            /**
             * Properties of an ApprovalReceipt.
             * @typedef {Object} tollgate.v1.ApprovalReceipt.$Properties
             * @property {string|null} [requestId] ApprovalReceipt requestId
             * @property {string|null} [refusalCode] ApprovalReceipt refusalCode
             * @property {string|null} [refusalMessage] ApprovalReceipt refusalMessage
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ApprovalReceipt.
             * @memberof tollgate.v1
             * @interface IApprovalReceipt
             * @augments tollgate.v1.ApprovalReceipt.$Properties
             * @deprecated Use tollgate.v1.ApprovalReceipt.$Properties instead.
             */

            /**
             * Shape of an ApprovalReceipt.
             * @typedef {tollgate.v1.ApprovalReceipt.$Properties} tollgate.v1.ApprovalReceipt.$Shape
             */

            /**
             * Constructs a new ApprovalReceipt.
             * @memberof tollgate.v1
             * @classdesc Represents an ApprovalReceipt.
             * @constructor
             * @param {tollgate.v1.ApprovalReceipt.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ApprovalReceipt = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ApprovalReceipt requestId.
             * @member {string} requestId
             * @memberof tollgate.v1.ApprovalReceipt
             * @instance
             */
            ApprovalReceipt.prototype.requestId = "";

            /**
             * ApprovalReceipt refusalCode.
             * @member {string} refusalCode
             * @memberof tollgate.v1.ApprovalReceipt
             * @instance
             */
            ApprovalReceipt.prototype.refusalCode = "";

            /**
             * ApprovalReceipt refusalMessage.
             * @member {string} refusalMessage
             * @memberof tollgate.v1.ApprovalReceipt
             * @instance
             */
            ApprovalReceipt.prototype.refusalMessage = "";

            /**
             * Creates a new ApprovalReceipt instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ApprovalReceipt
             * @static
             * @param {tollgate.v1.ApprovalReceipt.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ApprovalReceipt} ApprovalReceipt instance
             * @type {{
             *   (properties: tollgate.v1.ApprovalReceipt.$Shape): tollgate.v1.ApprovalReceipt & tollgate.v1.ApprovalReceipt.$Shape;
             *   (properties?: tollgate.v1.ApprovalReceipt.$Properties): tollgate.v1.ApprovalReceipt;
             * }}
             */
            ApprovalReceipt.create = function(properties) {
                return new ApprovalReceipt(properties);
            };

            /**
             * Encodes the specified ApprovalReceipt message. Does not implicitly {@link tollgate.v1.ApprovalReceipt.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ApprovalReceipt
             * @static
             * @param {tollgate.v1.ApprovalReceipt.$Properties} message ApprovalReceipt message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ApprovalReceipt.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.requestId != null && $Object.hasOwnProperty.call(message, "requestId") && message.requestId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.requestId);
                if (message.refusalCode != null && $Object.hasOwnProperty.call(message, "refusalCode") && message.refusalCode !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.refusalCode);
                if (message.refusalMessage != null && $Object.hasOwnProperty.call(message, "refusalMessage") && message.refusalMessage !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.refusalMessage);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ApprovalReceipt message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ApprovalReceipt
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalReceipt & tollgate.v1.ApprovalReceipt.$Shape} ApprovalReceipt
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ApprovalReceipt.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ApprovalReceipt();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.requestId = value;
                            else
                                delete message.requestId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.refusalCode = value;
                            else
                                delete message.refusalCode;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.refusalMessage = value;
                            else
                                delete message.refusalMessage;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ApprovalReceipt;
        })();

        v1.ServerMessage = (function() {

            /**
             * Properties of a ServerMessage.
             * @typedef {Object} tollgate.v1.ServerMessage.$Properties
             * @property {Uint8Array|null} [snapshot] ServerMessage snapshot
             * @property {tollgate.v1.UpToDate.$Properties|null} [upToDate] ServerMessage upToDate
             * @property {Uint8Array|null} [settings] ServerMessage settings
             * @property {tollgate.v1.Refusal.$Properties|null} [refusal] ServerMessage refusal
             * @property {tollgate.v1.ApprovalReceipt.$Properties|null} [receipt] ServerMessage receipt
             * @property {Uint8Array|null} [delta] ServerMessage delta
             * @property {"snapshot"|"upToDate"|"settings"|"refusal"|"receipt"|"delta"} [body] ServerMessage body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ServerMessage.
             * @memberof tollgate.v1
             * @interface IServerMessage
             * @augments tollgate.v1.ServerMessage.$Properties
             * @deprecated Use tollgate.v1.ServerMessage.$Properties instead.
             */

            /**
             * Narrowed shape of a ServerMessage.
             * @typedef {{
             *   snapshot?: Uint8Array|null;
             *   upToDate?: tollgate.v1.UpToDate.$Shape|null;
             *   settings?: Uint8Array|null;
             *   refusal?: tollgate.v1.Refusal.$Shape|null;
             *   receipt?: tollgate.v1.ApprovalReceipt.$Shape|null;
             *   delta?: Uint8Array|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; snapshot?: null; upToDate?: null; settings?: null; refusal?: null; receipt?: null; delta?: null }|{ body?: "snapshot"; snapshot: Uint8Array; upToDate?: null; settings?: null; refusal?: null; receipt?: null; delta?: null }|{ body?: "upToDate"; snapshot?: null; upToDate: tollgate.v1.UpToDate.$Shape; settings?: null; refusal?: null; receipt?: null; delta?: null }|{ body?: "settings"; snapshot?: null; upToDate?: null; settings: Uint8Array; refusal?: null; receipt?: null; delta?: null }|{ body?: "refusal"; snapshot?: null; upToDate?: null; settings?: null; refusal: tollgate.v1.Refusal.$Shape; receipt?: null; delta?: null }|{ body?: "receipt"; snapshot?: null; upToDate?: null; settings?: null; refusal?: null; receipt: tollgate.v1.ApprovalReceipt.$Shape; delta?: null }|{ body?: "delta"; snapshot?: null; upToDate?: null; settings?: null; refusal?: null; receipt?: null; delta: Uint8Array })
             * )} tollgate.v1.ServerMessage.$Shape
             */

            /**
             * Constructs a new ServerMessage.
             * @memberof tollgate.v1
             * @classdesc Represents a ServerMessage.
             * @constructor
             * @param {tollgate.v1.ServerMessage.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ServerMessage = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ServerMessage snapshot.
             * @member {Uint8Array|null|undefined} snapshot
             * @memberof tollgate.v1.ServerMessage
             * @instance
             */
            ServerMessage.prototype.snapshot = null;

            /**
             * ServerMessage upToDate.
             * @member {tollgate.v1.UpToDate.$Properties|null|undefined} upToDate
             * @memberof tollgate.v1.ServerMessage
             * @instance
             */
            ServerMessage.prototype.upToDate = null;

            /**
             * ServerMessage settings.
             * @member {Uint8Array|null|undefined} settings
             * @memberof tollgate.v1.ServerMessage
             * @instance
             */
            ServerMessage.prototype.settings = null;

            /**
             * ServerMessage refusal.
             * @member {tollgate.v1.Refusal.$Properties|null|undefined} refusal
             * @memberof tollgate.v1.ServerMessage
             * @instance
             */
            ServerMessage.prototype.refusal = null;

            /**
             * ServerMessage receipt.
             * @member {tollgate.v1.ApprovalReceipt.$Properties|null|undefined} receipt
             * @memberof tollgate.v1.ServerMessage
             * @instance
             */
            ServerMessage.prototype.receipt = null;

            /**
             * ServerMessage delta.
             * @member {Uint8Array|null|undefined} delta
             * @memberof tollgate.v1.ServerMessage
             * @instance
             */
            ServerMessage.prototype.delta = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * ServerMessage body.
             * @member {"snapshot"|"upToDate"|"settings"|"refusal"|"receipt"|"delta"|undefined} body
             * @memberof tollgate.v1.ServerMessage
             * @instance
             */
            $Object.defineProperty(ServerMessage.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["snapshot", "upToDate", "settings", "refusal", "receipt", "delta"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new ServerMessage instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ServerMessage
             * @static
             * @param {tollgate.v1.ServerMessage.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ServerMessage} ServerMessage instance
             * @type {{
             *   (properties: tollgate.v1.ServerMessage.$Shape): tollgate.v1.ServerMessage & tollgate.v1.ServerMessage.$Shape;
             *   (properties?: tollgate.v1.ServerMessage.$Properties): tollgate.v1.ServerMessage;
             * }}
             */
            ServerMessage.create = function(properties) {
                return new ServerMessage(properties);
            };

            /**
             * Encodes the specified ServerMessage message. Does not implicitly {@link tollgate.v1.ServerMessage.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ServerMessage
             * @static
             * @param {tollgate.v1.ServerMessage.$Properties} message ServerMessage message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ServerMessage.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.snapshot != null && $Object.hasOwnProperty.call(message, "snapshot"))
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.snapshot);
                if (message.upToDate != null && $Object.hasOwnProperty.call(message, "upToDate"))
                    $root.tollgate.v1.UpToDate.encode(message.upToDate, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.settings != null && $Object.hasOwnProperty.call(message, "settings"))
                    writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.settings);
                if (message.refusal != null && $Object.hasOwnProperty.call(message, "refusal"))
                    $root.tollgate.v1.Refusal.encode(message.refusal, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.receipt != null && $Object.hasOwnProperty.call(message, "receipt"))
                    $root.tollgate.v1.ApprovalReceipt.encode(message.receipt, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.delta != null && $Object.hasOwnProperty.call(message, "delta"))
                    writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.delta);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ServerMessage message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ServerMessage
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ServerMessage & tollgate.v1.ServerMessage.$Shape} ServerMessage
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ServerMessage.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ServerMessage();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.snapshot = reader.bytes();
                            message.body = "snapshot";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.upToDate = $root.tollgate.v1.UpToDate.decode(reader, reader.size(), $undefined, _depth + 1, message.upToDate);
                            message.body = "upToDate";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.settings = reader.bytes();
                            message.body = "settings";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.refusal = $root.tollgate.v1.Refusal.decode(reader, reader.size(), $undefined, _depth + 1, message.refusal);
                            message.body = "refusal";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.receipt = $root.tollgate.v1.ApprovalReceipt.decode(reader, reader.size(), $undefined, _depth + 1, message.receipt);
                            message.body = "receipt";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.delta = reader.bytes();
                            message.body = "delta";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ServerMessage;
        })();

        v1.FileInfo = (function() {

            /**
             * Properties of a FileInfo.
             * @typedef {Object} tollgate.v1.FileInfo.$Properties
             * @property {string|null} [path] FileInfo path
             * @property {string|null} [sha256] FileInfo sha256
             * @property {string|null} [certSubject] FileInfo certSubject
             * @property {string|null} [certThumbprint] FileInfo certThumbprint
             * @property {string|null} [processPath] FileInfo processPath
             * @property {string|null} [createdBy] FileInfo createdBy
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a FileInfo.
             * @memberof tollgate.v1
             * @interface IFileInfo
             * @augments tollgate.v1.FileInfo.$Properties
             * @deprecated Use tollgate.v1.FileInfo.$Properties instead.
             */

            /**
             * Shape of a FileInfo.
             * @typedef {tollgate.v1.FileInfo.$Properties} tollgate.v1.FileInfo.$Shape
             */

            /**
             * Constructs a new FileInfo.
             * @memberof tollgate.v1
             * @classdesc Represents a FileInfo.
             * @constructor
             * @param {tollgate.v1.FileInfo.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const FileInfo = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * FileInfo path.
             * @member {string} path
             * @memberof tollgate.v1.FileInfo
             * @instance
             */
            FileInfo.prototype.path = "";

            /**
             * FileInfo sha256.
             * @member {string|null|undefined} sha256
             * @memberof tollgate.v1.FileInfo
             * @instance
             */
            FileInfo.prototype.sha256 = null;

            /**
             * FileInfo certSubject.
             * @member {string|null|undefined} certSubject
             * @memberof tollgate.v1.FileInfo
             * @instance
             */
            FileInfo.prototype.certSubject = null;

            /**
             * FileInfo certThumbprint.
             * @member {string|null|undefined} certThumbprint
             * @memberof tollgate.v1.FileInfo
             * @instance
             */
            FileInfo.prototype.certThumbprint = null;

            /**
             * FileInfo processPath.
             * @member {string|null|undefined} processPath
             * @memberof tollgate.v1.FileInfo
             * @instance
             */
            FileInfo.prototype.processPath = null;

            /**
             * FileInfo createdBy.
             * @member {string|null|undefined} createdBy
             * @memberof tollgate.v1.FileInfo
             * @instance
             */
            FileInfo.prototype.createdBy = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(FileInfo.prototype, "_sha256", {
                get: $util.oneOfGetter($oneOfFields = ["sha256"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(FileInfo.prototype, "_certSubject", {
                get: $util.oneOfGetter($oneOfFields = ["certSubject"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(FileInfo.prototype, "_certThumbprint", {
                get: $util.oneOfGetter($oneOfFields = ["certThumbprint"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(FileInfo.prototype, "_processPath", {
                get: $util.oneOfGetter($oneOfFields = ["processPath"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(FileInfo.prototype, "_createdBy", {
                get: $util.oneOfGetter($oneOfFields = ["createdBy"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new FileInfo instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.FileInfo
             * @static
             * @param {tollgate.v1.FileInfo.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.FileInfo} FileInfo instance
             * @type {{
             *   (properties: tollgate.v1.FileInfo.$Shape): tollgate.v1.FileInfo & tollgate.v1.FileInfo.$Shape;
             *   (properties?: tollgate.v1.FileInfo.$Properties): tollgate.v1.FileInfo;
             * }}
             */
            FileInfo.create = function(properties) {
                return new FileInfo(properties);
            };

            /**
             * Encodes the specified FileInfo message. Does not implicitly {@link tollgate.v1.FileInfo.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.FileInfo
             * @static
             * @param {tollgate.v1.FileInfo.$Properties} message FileInfo message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            FileInfo.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.path != null && $Object.hasOwnProperty.call(message, "path") && message.path !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.path);
                if (message.sha256 != null && $Object.hasOwnProperty.call(message, "sha256"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.sha256);
                if (message.certSubject != null && $Object.hasOwnProperty.call(message, "certSubject"))
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.certSubject);
                if (message.certThumbprint != null && $Object.hasOwnProperty.call(message, "certThumbprint"))
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.certThumbprint);
                if (message.processPath != null && $Object.hasOwnProperty.call(message, "processPath"))
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.processPath);
                if (message.createdBy != null && $Object.hasOwnProperty.call(message, "createdBy"))
                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.createdBy);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a FileInfo message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.FileInfo
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.FileInfo & tollgate.v1.FileInfo.$Shape} FileInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            FileInfo.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.FileInfo();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.path = value;
                            else
                                delete message.path;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.sha256 = reader.stringVerify();
                            message._sha256 = "sha256";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.certSubject = reader.stringVerify();
                            message._certSubject = "certSubject";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.certThumbprint = reader.stringVerify();
                            message._certThumbprint = "certThumbprint";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.processPath = reader.stringVerify();
                            message._processPath = "processPath";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.createdBy = reader.stringVerify();
                            message._createdBy = "createdBy";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return FileInfo;
        })();

        v1.EvaluateFileRequest = (function() {

            /**
             * Properties of an EvaluateFileRequest.
             * @typedef {Object} tollgate.v1.EvaluateFileRequest.$Properties
             * @property {tollgate.v1.FileInfo.$Properties|null} [file] EvaluateFileRequest file
             * @property {number|null} [atMs] EvaluateFileRequest atMs
             * @property {Array.<tollgate.v1.Setting.$Properties>|null} [settings] EvaluateFileRequest settings
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an EvaluateFileRequest.
             * @memberof tollgate.v1
             * @interface IEvaluateFileRequest
             * @augments tollgate.v1.EvaluateFileRequest.$Properties
             * @deprecated Use tollgate.v1.EvaluateFileRequest.$Properties instead.
             */

            /**
             * Shape of an EvaluateFileRequest.
             * @typedef {{
             *   file?: tollgate.v1.FileInfo.$Shape|null;
             *   atMs?: number|null;
             *   settings?: Array.<tollgate.v1.Setting.$Shape>|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tollgate.v1.EvaluateFileRequest.$Shape
             */

            /**
             * Constructs a new EvaluateFileRequest.
             * @memberof tollgate.v1
             * @classdesc Represents an EvaluateFileRequest.
             * @constructor
             * @param {tollgate.v1.EvaluateFileRequest.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const EvaluateFileRequest = function (properties) {
                this.settings = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * EvaluateFileRequest file.
             * @member {tollgate.v1.FileInfo.$Properties|null|undefined} file
             * @memberof tollgate.v1.EvaluateFileRequest
             * @instance
             */
            EvaluateFileRequest.prototype.file = null;

            /**
             * EvaluateFileRequest atMs.
             * @member {number|null|undefined} atMs
             * @memberof tollgate.v1.EvaluateFileRequest
             * @instance
             */
            EvaluateFileRequest.prototype.atMs = null;

            /**
             * EvaluateFileRequest settings.
             * @member {Array.<tollgate.v1.Setting.$Properties>} settings
             * @memberof tollgate.v1.EvaluateFileRequest
             * @instance
             */
            EvaluateFileRequest.prototype.settings = $util.emptyArray;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(EvaluateFileRequest.prototype, "_atMs", {
                get: $util.oneOfGetter($oneOfFields = ["atMs"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new EvaluateFileRequest instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.EvaluateFileRequest
             * @static
             * @param {tollgate.v1.EvaluateFileRequest.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.EvaluateFileRequest} EvaluateFileRequest instance
             * @type {{
             *   (properties: tollgate.v1.EvaluateFileRequest.$Shape): tollgate.v1.EvaluateFileRequest & tollgate.v1.EvaluateFileRequest.$Shape;
             *   (properties?: tollgate.v1.EvaluateFileRequest.$Properties): tollgate.v1.EvaluateFileRequest;
             * }}
             */
            EvaluateFileRequest.create = function(properties) {
                return new EvaluateFileRequest(properties);
            };

            /**
             * Encodes the specified EvaluateFileRequest message. Does not implicitly {@link tollgate.v1.EvaluateFileRequest.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.EvaluateFileRequest
             * @static
             * @param {tollgate.v1.EvaluateFileRequest.$Properties} message EvaluateFileRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            EvaluateFileRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.file != null && $Object.hasOwnProperty.call(message, "file"))
                    $root.tollgate.v1.FileInfo.encode(message.file, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    writer.uint32(/* id 2, wireType 1 =*/17).double(message.atMs);
                if (message.settings != null && message.settings.length)
                    for (let i = 0; i < message.settings.length; ++i)
                        $root.tollgate.v1.Setting.encode(message.settings[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an EvaluateFileRequest message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.EvaluateFileRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.EvaluateFileRequest & tollgate.v1.EvaluateFileRequest.$Shape} EvaluateFileRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            EvaluateFileRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.EvaluateFileRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.file = $root.tollgate.v1.FileInfo.decode(reader, reader.size(), $undefined, _depth + 1, message.file);
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            message.atMs = reader.double();
                            message._atMs = "atMs";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (!(message.settings && message.settings.length))
                                message.settings = [];
                            message.settings.push($root.tollgate.v1.Setting.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return EvaluateFileRequest;
        })();

        v1.ApprovalQuery = (function() {

            /**
             * Properties of an ApprovalQuery.
             * @typedef {Object} tollgate.v1.ApprovalQuery.$Properties
             * @property {string|null} [app] ApprovalQuery app
             * @property {string|null} [category] ApprovalQuery category
             * @property {string|null} [subcategory] ApprovalQuery subcategory
             * @property {tollgate.v1.StringList.$Properties|null} [primaryCompanyInfluence] ApprovalQuery primaryCompanyInfluence
             * @property {tollgate.v1.StringList.$Properties|null} [developmentInfluence] ApprovalQuery developmentInfluence
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ApprovalQuery.
             * @memberof tollgate.v1
             * @interface IApprovalQuery
             * @augments tollgate.v1.ApprovalQuery.$Properties
             * @deprecated Use tollgate.v1.ApprovalQuery.$Properties instead.
             */

            /**
             * Shape of an ApprovalQuery.
             * @typedef {tollgate.v1.ApprovalQuery.$Properties} tollgate.v1.ApprovalQuery.$Shape
             */

            /**
             * Constructs a new ApprovalQuery.
             * @memberof tollgate.v1
             * @classdesc Represents an ApprovalQuery.
             * @constructor
             * @param {tollgate.v1.ApprovalQuery.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ApprovalQuery = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ApprovalQuery app.
             * @member {string|null|undefined} app
             * @memberof tollgate.v1.ApprovalQuery
             * @instance
             */
            ApprovalQuery.prototype.app = null;

            /**
             * ApprovalQuery category.
             * @member {string|null|undefined} category
             * @memberof tollgate.v1.ApprovalQuery
             * @instance
             */
            ApprovalQuery.prototype.category = null;

            /**
             * ApprovalQuery subcategory.
             * @member {string|null|undefined} subcategory
             * @memberof tollgate.v1.ApprovalQuery
             * @instance
             */
            ApprovalQuery.prototype.subcategory = null;

            /**
             * ApprovalQuery primaryCompanyInfluence.
             * @member {tollgate.v1.StringList.$Properties|null|undefined} primaryCompanyInfluence
             * @memberof tollgate.v1.ApprovalQuery
             * @instance
             */
            ApprovalQuery.prototype.primaryCompanyInfluence = null;

            /**
             * ApprovalQuery developmentInfluence.
             * @member {tollgate.v1.StringList.$Properties|null|undefined} developmentInfluence
             * @memberof tollgate.v1.ApprovalQuery
             * @instance
             */
            ApprovalQuery.prototype.developmentInfluence = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(ApprovalQuery.prototype, "_app", {
                get: $util.oneOfGetter($oneOfFields = ["app"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(ApprovalQuery.prototype, "_category", {
                get: $util.oneOfGetter($oneOfFields = ["category"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(ApprovalQuery.prototype, "_subcategory", {
                get: $util.oneOfGetter($oneOfFields = ["subcategory"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new ApprovalQuery instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ApprovalQuery
             * @static
             * @param {tollgate.v1.ApprovalQuery.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ApprovalQuery} ApprovalQuery instance
             * @type {{
             *   (properties: tollgate.v1.ApprovalQuery.$Shape): tollgate.v1.ApprovalQuery & tollgate.v1.ApprovalQuery.$Shape;
             *   (properties?: tollgate.v1.ApprovalQuery.$Properties): tollgate.v1.ApprovalQuery;
             * }}
             */
            ApprovalQuery.create = function(properties) {
                return new ApprovalQuery(properties);
            };

            /**
             * Encodes the specified ApprovalQuery message. Does not implicitly {@link tollgate.v1.ApprovalQuery.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ApprovalQuery
             * @static
             * @param {tollgate.v1.ApprovalQuery.$Properties} message ApprovalQuery message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ApprovalQuery.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.app != null && $Object.hasOwnProperty.call(message, "app"))
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.app);
                if (message.category != null && $Object.hasOwnProperty.call(message, "category"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.category);
                if (message.subcategory != null && $Object.hasOwnProperty.call(message, "subcategory"))
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.subcategory);
                if (message.primaryCompanyInfluence != null && $Object.hasOwnProperty.call(message, "primaryCompanyInfluence"))
                    $root.tollgate.v1.StringList.encode(message.primaryCompanyInfluence, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.developmentInfluence != null && $Object.hasOwnProperty.call(message, "developmentInfluence"))
                    $root.tollgate.v1.StringList.encode(message.developmentInfluence, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ApprovalQuery message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ApprovalQuery
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ApprovalQuery & tollgate.v1.ApprovalQuery.$Shape} ApprovalQuery
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ApprovalQuery.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ApprovalQuery();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.app = reader.stringVerify();
                            message._app = "app";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.category = reader.stringVerify();
                            message._category = "category";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.subcategory = reader.stringVerify();
                            message._subcategory = "subcategory";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.primaryCompanyInfluence = $root.tollgate.v1.StringList.decode(reader, reader.size(), $undefined, _depth + 1, message.primaryCompanyInfluence);
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.developmentInfluence = $root.tollgate.v1.StringList.decode(reader, reader.size(), $undefined, _depth + 1, message.developmentInfluence);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ApprovalQuery;
        })();

        v1.EvaluateApprovalRequest = (function() {

            /**
             * Properties of an EvaluateApprovalRequest.
             * @typedef {Object} tollgate.v1.EvaluateApprovalRequest.$Properties
             * @property {tollgate.v1.ApprovalQuery.$Properties|null} [query] EvaluateApprovalRequest query
             * @property {boolean|null} [submit] EvaluateApprovalRequest submit
             * @property {tollgate.v1.FileInfo.$Properties|null} [file] EvaluateApprovalRequest file
             * @property {string|null} [user] EvaluateApprovalRequest user
             * @property {string|null} [reason] EvaluateApprovalRequest reason
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an EvaluateApprovalRequest.
             * @memberof tollgate.v1
             * @interface IEvaluateApprovalRequest
             * @augments tollgate.v1.EvaluateApprovalRequest.$Properties
             * @deprecated Use tollgate.v1.EvaluateApprovalRequest.$Properties instead.
             */

            /**
             * Shape of an EvaluateApprovalRequest.
             * @typedef {tollgate.v1.EvaluateApprovalRequest.$Properties} tollgate.v1.EvaluateApprovalRequest.$Shape
             */

            /**
             * Constructs a new EvaluateApprovalRequest.
             * @memberof tollgate.v1
             * @classdesc Represents an EvaluateApprovalRequest.
             * @constructor
             * @param {tollgate.v1.EvaluateApprovalRequest.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const EvaluateApprovalRequest = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * EvaluateApprovalRequest query.
             * @member {tollgate.v1.ApprovalQuery.$Properties|null|undefined} query
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @instance
             */
            EvaluateApprovalRequest.prototype.query = null;

            /**
             * EvaluateApprovalRequest submit.
             * @member {boolean} submit
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @instance
             */
            EvaluateApprovalRequest.prototype.submit = false;

            /**
             * EvaluateApprovalRequest file.
             * @member {tollgate.v1.FileInfo.$Properties|null|undefined} file
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @instance
             */
            EvaluateApprovalRequest.prototype.file = null;

            /**
             * EvaluateApprovalRequest user.
             * @member {string|null|undefined} user
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @instance
             */
            EvaluateApprovalRequest.prototype.user = null;

            /**
             * EvaluateApprovalRequest reason.
             * @member {string|null|undefined} reason
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @instance
             */
            EvaluateApprovalRequest.prototype.reason = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(EvaluateApprovalRequest.prototype, "_file", {
                get: $util.oneOfGetter($oneOfFields = ["file"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(EvaluateApprovalRequest.prototype, "_user", {
                get: $util.oneOfGetter($oneOfFields = ["user"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(EvaluateApprovalRequest.prototype, "_reason", {
                get: $util.oneOfGetter($oneOfFields = ["reason"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new EvaluateApprovalRequest instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @static
             * @param {tollgate.v1.EvaluateApprovalRequest.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.EvaluateApprovalRequest} EvaluateApprovalRequest instance
             * @type {{
             *   (properties: tollgate.v1.EvaluateApprovalRequest.$Shape): tollgate.v1.EvaluateApprovalRequest & tollgate.v1.EvaluateApprovalRequest.$Shape;
             *   (properties?: tollgate.v1.EvaluateApprovalRequest.$Properties): tollgate.v1.EvaluateApprovalRequest;
             * }}
             */
            EvaluateApprovalRequest.create = function(properties) {
                return new EvaluateApprovalRequest(properties);
            };

            /**
             * Encodes the specified EvaluateApprovalRequest message. Does not implicitly {@link tollgate.v1.EvaluateApprovalRequest.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @static
             * @param {tollgate.v1.EvaluateApprovalRequest.$Properties} message EvaluateApprovalRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            EvaluateApprovalRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.query != null && $Object.hasOwnProperty.call(message, "query"))
                    $root.tollgate.v1.ApprovalQuery.encode(message.query, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.submit != null && $Object.hasOwnProperty.call(message, "submit") && message.submit !== false)
                    writer.uint32(/* id 2, wireType 0 =*/16).bool(message.submit);
                if (message.file != null && $Object.hasOwnProperty.call(message, "file"))
                    $root.tollgate.v1.FileInfo.encode(message.file, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.user != null && $Object.hasOwnProperty.call(message, "user"))
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.user);
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason"))
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.reason);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an EvaluateApprovalRequest message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.EvaluateApprovalRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.EvaluateApprovalRequest & tollgate.v1.EvaluateApprovalRequest.$Shape} EvaluateApprovalRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            EvaluateApprovalRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.EvaluateApprovalRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.query = $root.tollgate.v1.ApprovalQuery.decode(reader, reader.size(), $undefined, _depth + 1, message.query);
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.submit = value;
                            else
                                delete message.submit;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.file = $root.tollgate.v1.FileInfo.decode(reader, reader.size(), $undefined, _depth + 1, message.file);
                            message._file = "file";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.user = reader.stringVerify();
                            message._user = "user";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.reason = reader.stringVerify();
                            message._reason = "reason";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return EvaluateApprovalRequest;
        })();

        v1.StatusRequest = (function() {

            /**
             * Properties of a StatusRequest.
             * @typedef {Object} tollgate.v1.StatusRequest.$Properties
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a StatusRequest.
             * @memberof tollgate.v1
             * @interface IStatusRequest
             * @augments tollgate.v1.StatusRequest.$Properties
             * @deprecated Use tollgate.v1.StatusRequest.$Properties instead.
             */

            /**
             * Shape of a StatusRequest.
             * @typedef {tollgate.v1.StatusRequest.$Properties} tollgate.v1.StatusRequest.$Shape
             */

            /**
             * Constructs a new StatusRequest.
             * @memberof tollgate.v1
             * @classdesc Represents a StatusRequest.
             * @constructor
             * @param {tollgate.v1.StatusRequest.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const StatusRequest = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Creates a new StatusRequest instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.StatusRequest
             * @static
             * @param {tollgate.v1.StatusRequest.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.StatusRequest} StatusRequest instance
             * @type {{
             *   (properties: tollgate.v1.StatusRequest.$Shape): tollgate.v1.StatusRequest & tollgate.v1.StatusRequest.$Shape;
             *   (properties?: tollgate.v1.StatusRequest.$Properties): tollgate.v1.StatusRequest;
             * }}
             */
            StatusRequest.create = function(properties) {
                return new StatusRequest(properties);
            };

            /**
             * Encodes the specified StatusRequest message. Does not implicitly {@link tollgate.v1.StatusRequest.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.StatusRequest
             * @static
             * @param {tollgate.v1.StatusRequest.$Properties} message StatusRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            StatusRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a StatusRequest message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.StatusRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.StatusRequest & tollgate.v1.StatusRequest.$Shape} StatusRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            StatusRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.StatusRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    reader.skipType(tag & 7, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return StatusRequest;
        })();

        v1.ExportDecisionsRequest = (function() {

            /**
             * Properties of an ExportDecisionsRequest.
             * @typedef {Object} tollgate.v1.ExportDecisionsRequest.$Properties
             * @property {number|null} [limit] ExportDecisionsRequest limit
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ExportDecisionsRequest.
             * @memberof tollgate.v1
             * @interface IExportDecisionsRequest
             * @augments tollgate.v1.ExportDecisionsRequest.$Properties
             * @deprecated Use tollgate.v1.ExportDecisionsRequest.$Properties instead.
             */

            /**
             * Shape of an ExportDecisionsRequest.
             * @typedef {tollgate.v1.ExportDecisionsRequest.$Properties} tollgate.v1.ExportDecisionsRequest.$Shape
             */

            /**
             * Constructs a new ExportDecisionsRequest.
             * @memberof tollgate.v1
             * @classdesc Represents an ExportDecisionsRequest.
             * @constructor
             * @param {tollgate.v1.ExportDecisionsRequest.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ExportDecisionsRequest = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ExportDecisionsRequest limit.
             * @member {number} limit
             * @memberof tollgate.v1.ExportDecisionsRequest
             * @instance
             */
            ExportDecisionsRequest.prototype.limit = 0;

            /**
             * Creates a new ExportDecisionsRequest instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ExportDecisionsRequest
             * @static
             * @param {tollgate.v1.ExportDecisionsRequest.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ExportDecisionsRequest} ExportDecisionsRequest instance
             * @type {{
             *   (properties: tollgate.v1.ExportDecisionsRequest.$Shape): tollgate.v1.ExportDecisionsRequest & tollgate.v1.ExportDecisionsRequest.$Shape;
             *   (properties?: tollgate.v1.ExportDecisionsRequest.$Properties): tollgate.v1.ExportDecisionsRequest;
             * }}
             */
            ExportDecisionsRequest.create = function(properties) {
                return new ExportDecisionsRequest(properties);
            };

            /**
             * Encodes the specified ExportDecisionsRequest message. Does not implicitly {@link tollgate.v1.ExportDecisionsRequest.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ExportDecisionsRequest
             * @static
             * @param {tollgate.v1.ExportDecisionsRequest.$Properties} message ExportDecisionsRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ExportDecisionsRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.limit != null && $Object.hasOwnProperty.call(message, "limit") && message.limit !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.limit);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ExportDecisionsRequest message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ExportDecisionsRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ExportDecisionsRequest & tollgate.v1.ExportDecisionsRequest.$Shape} ExportDecisionsRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ExportDecisionsRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ExportDecisionsRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.limit = value;
                            else
                                delete message.limit;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ExportDecisionsRequest;
        })();

        v1.ApplySnapshotRequest = (function() {

            /**
             * Properties of an ApplySnapshotRequest.
             * @typedef {Object} tollgate.v1.ApplySnapshotRequest.$Properties
             * @property {Uint8Array|null} [signedSnapshot] ApplySnapshotRequest signedSnapshot
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ApplySnapshotRequest.
             * @memberof tollgate.v1
             * @interface IApplySnapshotRequest
             * @augments tollgate.v1.ApplySnapshotRequest.$Properties
             * @deprecated Use tollgate.v1.ApplySnapshotRequest.$Properties instead.
             */

            /**
             * Shape of an ApplySnapshotRequest.
             * @typedef {tollgate.v1.ApplySnapshotRequest.$Properties} tollgate.v1.ApplySnapshotRequest.$Shape
             */

            /**
             * Constructs a new ApplySnapshotRequest.
             * @memberof tollgate.v1
             * @classdesc Represents an ApplySnapshotRequest.
             * @constructor
             * @param {tollgate.v1.ApplySnapshotRequest.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ApplySnapshotRequest = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ApplySnapshotRequest signedSnapshot.
             * @member {Uint8Array} signedSnapshot
             * @memberof tollgate.v1.ApplySnapshotRequest
             * @instance
             */
            ApplySnapshotRequest.prototype.signedSnapshot = $util.newBuffer([]);

            /**
             * Creates a new ApplySnapshotRequest instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ApplySnapshotRequest
             * @static
             * @param {tollgate.v1.ApplySnapshotRequest.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ApplySnapshotRequest} ApplySnapshotRequest instance
             * @type {{
             *   (properties: tollgate.v1.ApplySnapshotRequest.$Shape): tollgate.v1.ApplySnapshotRequest & tollgate.v1.ApplySnapshotRequest.$Shape;
             *   (properties?: tollgate.v1.ApplySnapshotRequest.$Properties): tollgate.v1.ApplySnapshotRequest;
             * }}
             */
            ApplySnapshotRequest.create = function(properties) {
                return new ApplySnapshotRequest(properties);
            };

            /**
             * Encodes the specified ApplySnapshotRequest message. Does not implicitly {@link tollgate.v1.ApplySnapshotRequest.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ApplySnapshotRequest
             * @static
             * @param {tollgate.v1.ApplySnapshotRequest.$Properties} message ApplySnapshotRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ApplySnapshotRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.signedSnapshot != null && $Object.hasOwnProperty.call(message, "signedSnapshot") && message.signedSnapshot.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.signedSnapshot);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ApplySnapshotRequest message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ApplySnapshotRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ApplySnapshotRequest & tollgate.v1.ApplySnapshotRequest.$Shape} ApplySnapshotRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ApplySnapshotRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ApplySnapshotRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.signedSnapshot = value;
                            else
                                delete message.signedSnapshot;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ApplySnapshotRequest;
        })();

        v1.Request = (function() {

            /**
             * Properties of a Request.
             * @typedef {Object} tollgate.v1.Request.$Properties
             * @property {number|null} [id] Request id
             * @property {tollgate.v1.EvaluateFileRequest.$Properties|null} [evaluateFile] Request evaluateFile
             * @property {tollgate.v1.EvaluateApprovalRequest.$Properties|null} [evaluateApproval] Request evaluateApproval
             * @property {tollgate.v1.StatusRequest.$Properties|null} [status] Request status
             * @property {tollgate.v1.ExportDecisionsRequest.$Properties|null} [exportDecisions] Request exportDecisions
             * @property {tollgate.v1.ApplySnapshotRequest.$Properties|null} [applySnapshot] Request applySnapshot
             * @property {"evaluateFile"|"evaluateApproval"|"status"|"exportDecisions"|"applySnapshot"} [body] Request body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Request.
             * @memberof tollgate.v1
             * @interface IRequest
             * @augments tollgate.v1.Request.$Properties
             * @deprecated Use tollgate.v1.Request.$Properties instead.
             */

            /**
             * Narrowed shape of a Request.
             * @typedef {{
             *   id?: number|null;
             *   evaluateFile?: tollgate.v1.EvaluateFileRequest.$Shape|null;
             *   evaluateApproval?: tollgate.v1.EvaluateApprovalRequest.$Shape|null;
             *   status?: tollgate.v1.StatusRequest.$Shape|null;
             *   exportDecisions?: tollgate.v1.ExportDecisionsRequest.$Shape|null;
             *   applySnapshot?: tollgate.v1.ApplySnapshotRequest.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; evaluateFile?: null; evaluateApproval?: null; status?: null; exportDecisions?: null; applySnapshot?: null }|{ body?: "evaluateFile"; evaluateFile: tollgate.v1.EvaluateFileRequest.$Shape; evaluateApproval?: null; status?: null; exportDecisions?: null; applySnapshot?: null }|{ body?: "evaluateApproval"; evaluateFile?: null; evaluateApproval: tollgate.v1.EvaluateApprovalRequest.$Shape; status?: null; exportDecisions?: null; applySnapshot?: null }|{ body?: "status"; evaluateFile?: null; evaluateApproval?: null; status: tollgate.v1.StatusRequest.$Shape; exportDecisions?: null; applySnapshot?: null }|{ body?: "exportDecisions"; evaluateFile?: null; evaluateApproval?: null; status?: null; exportDecisions: tollgate.v1.ExportDecisionsRequest.$Shape; applySnapshot?: null }|{ body?: "applySnapshot"; evaluateFile?: null; evaluateApproval?: null; status?: null; exportDecisions?: null; applySnapshot: tollgate.v1.ApplySnapshotRequest.$Shape })
             * )} tollgate.v1.Request.$Shape
             */

            /**
             * Constructs a new Request.
             * @memberof tollgate.v1
             * @classdesc Represents a Request.
             * @constructor
             * @param {tollgate.v1.Request.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Request = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Request id.
             * @member {number} id
             * @memberof tollgate.v1.Request
             * @instance
             */
            Request.prototype.id = 0;

            /**
             * Request evaluateFile.
             * @member {tollgate.v1.EvaluateFileRequest.$Properties|null|undefined} evaluateFile
             * @memberof tollgate.v1.Request
             * @instance
             */
            Request.prototype.evaluateFile = null;

            /**
             * Request evaluateApproval.
             * @member {tollgate.v1.EvaluateApprovalRequest.$Properties|null|undefined} evaluateApproval
             * @memberof tollgate.v1.Request
             * @instance
             */
            Request.prototype.evaluateApproval = null;

            /**
             * Request status.
             * @member {tollgate.v1.StatusRequest.$Properties|null|undefined} status
             * @memberof tollgate.v1.Request
             * @instance
             */
            Request.prototype.status = null;

            /**
             * Request exportDecisions.
             * @member {tollgate.v1.ExportDecisionsRequest.$Properties|null|undefined} exportDecisions
             * @memberof tollgate.v1.Request
             * @instance
             */
            Request.prototype.exportDecisions = null;

            /**
             * Request applySnapshot.
             * @member {tollgate.v1.ApplySnapshotRequest.$Properties|null|undefined} applySnapshot
             * @memberof tollgate.v1.Request
             * @instance
             */
            Request.prototype.applySnapshot = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Request body.
             * @member {"evaluateFile"|"evaluateApproval"|"status"|"exportDecisions"|"applySnapshot"|undefined} body
             * @memberof tollgate.v1.Request
             * @instance
             */
            $Object.defineProperty(Request.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["evaluateFile", "evaluateApproval", "status", "exportDecisions", "applySnapshot"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Request instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Request
             * @static
             * @param {tollgate.v1.Request.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Request} Request instance
             * @type {{
             *   (properties: tollgate.v1.Request.$Shape): tollgate.v1.Request & tollgate.v1.Request.$Shape;
             *   (properties?: tollgate.v1.Request.$Properties): tollgate.v1.Request;
             * }}
             */
            Request.create = function(properties) {
                return new Request(properties);
            };

            /**
             * Encodes the specified Request message. Does not implicitly {@link tollgate.v1.Request.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Request
             * @static
             * @param {tollgate.v1.Request.$Properties} message Request message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Request.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.id);
                if (message.evaluateFile != null && $Object.hasOwnProperty.call(message, "evaluateFile"))
                    $root.tollgate.v1.EvaluateFileRequest.encode(message.evaluateFile, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.evaluateApproval != null && $Object.hasOwnProperty.call(message, "evaluateApproval"))
                    $root.tollgate.v1.EvaluateApprovalRequest.encode(message.evaluateApproval, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    $root.tollgate.v1.StatusRequest.encode(message.status, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.exportDecisions != null && $Object.hasOwnProperty.call(message, "exportDecisions"))
                    $root.tollgate.v1.ExportDecisionsRequest.encode(message.exportDecisions, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.applySnapshot != null && $Object.hasOwnProperty.call(message, "applySnapshot"))
                    $root.tollgate.v1.ApplySnapshotRequest.encode(message.applySnapshot, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Request message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Request
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Request & tollgate.v1.Request.$Shape} Request
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Request.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Request();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.evaluateFile = $root.tollgate.v1.EvaluateFileRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.evaluateFile);
                            message.body = "evaluateFile";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.evaluateApproval = $root.tollgate.v1.EvaluateApprovalRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.evaluateApproval);
                            message.body = "evaluateApproval";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.status = $root.tollgate.v1.StatusRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.status);
                            message.body = "status";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.exportDecisions = $root.tollgate.v1.ExportDecisionsRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.exportDecisions);
                            message.body = "exportDecisions";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.applySnapshot = $root.tollgate.v1.ApplySnapshotRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.applySnapshot);
                            message.body = "applySnapshot";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Request;
        })();

        v1.Decision = (function() {

            /**
             * Properties of a Decision.
             * @typedef {Object} tollgate.v1.Decision.$Properties
             * @property {tollgate.v1.PolicyAction|null} [action] Decision action
             * @property {string|null} [policy] Decision policy
             * @property {string|null} [policyName] Decision policyName
             * @property {number|null} [order] Decision order
             * @property {string|null} [application] Decision application
             * @property {tollgate.v1.Structure|null} [structure] Decision structure
             * @property {boolean|null} [builtInsFirst] Decision builtInsFirst
             * @property {Array.<string>|null} [gated] Decision gated
             * @property {number|null} [snapshotVersion] Decision snapshotVersion
             * @property {string|null} [reason] Decision reason
             * @property {string|null} [ringfenceJson] Decision ringfenceJson
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Decision.
             * @memberof tollgate.v1
             * @interface IDecision
             * @augments tollgate.v1.Decision.$Properties
             * @deprecated Use tollgate.v1.Decision.$Properties instead.
             */

            /**
             * Shape of a Decision.
             * @typedef {tollgate.v1.Decision.$Properties} tollgate.v1.Decision.$Shape
             */

            /**
             * Constructs a new Decision.
             * @memberof tollgate.v1
             * @classdesc Represents a Decision.
             * @constructor
             * @param {tollgate.v1.Decision.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Decision = function (properties) {
                this.gated = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Decision action.
             * @member {tollgate.v1.PolicyAction} action
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.action = 0;

            /**
             * Decision policy.
             * @member {string|null|undefined} policy
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.policy = null;

            /**
             * Decision policyName.
             * @member {string|null|undefined} policyName
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.policyName = null;

            /**
             * Decision order.
             * @member {number|null|undefined} order
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.order = null;

            /**
             * Decision application.
             * @member {string|null|undefined} application
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.application = null;

            /**
             * Decision structure.
             * @member {tollgate.v1.Structure} structure
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.structure = 0;

            /**
             * Decision builtInsFirst.
             * @member {boolean} builtInsFirst
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.builtInsFirst = false;

            /**
             * Decision gated.
             * @member {Array.<string>} gated
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.gated = $util.emptyArray;

            /**
             * Decision snapshotVersion.
             * @member {number|null|undefined} snapshotVersion
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.snapshotVersion = null;

            /**
             * Decision reason.
             * @member {string} reason
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.reason = "";

            /**
             * Decision ringfenceJson.
             * @member {string|null|undefined} ringfenceJson
             * @memberof tollgate.v1.Decision
             * @instance
             */
            Decision.prototype.ringfenceJson = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Decision.prototype, "_policy", {
                get: $util.oneOfGetter($oneOfFields = ["policy"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Decision.prototype, "_policyName", {
                get: $util.oneOfGetter($oneOfFields = ["policyName"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Decision.prototype, "_order", {
                get: $util.oneOfGetter($oneOfFields = ["order"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Decision.prototype, "_application", {
                get: $util.oneOfGetter($oneOfFields = ["application"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Decision.prototype, "_snapshotVersion", {
                get: $util.oneOfGetter($oneOfFields = ["snapshotVersion"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Decision.prototype, "_ringfenceJson", {
                get: $util.oneOfGetter($oneOfFields = ["ringfenceJson"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Decision instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Decision
             * @static
             * @param {tollgate.v1.Decision.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Decision} Decision instance
             * @type {{
             *   (properties: tollgate.v1.Decision.$Shape): tollgate.v1.Decision & tollgate.v1.Decision.$Shape;
             *   (properties?: tollgate.v1.Decision.$Properties): tollgate.v1.Decision;
             * }}
             */
            Decision.create = function(properties) {
                return new Decision(properties);
            };

            /**
             * Encodes the specified Decision message. Does not implicitly {@link tollgate.v1.Decision.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Decision
             * @static
             * @param {tollgate.v1.Decision.$Properties} message Decision message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Decision.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.action != null && $Object.hasOwnProperty.call(message, "action") && message.action !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).int32(message.action);
                if (message.policy != null && $Object.hasOwnProperty.call(message, "policy"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.policy);
                if (message.policyName != null && $Object.hasOwnProperty.call(message, "policyName"))
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.policyName);
                if (message.order != null && $Object.hasOwnProperty.call(message, "order"))
                    writer.uint32(/* id 4, wireType 0 =*/32).sint32(message.order);
                if (message.application != null && $Object.hasOwnProperty.call(message, "application"))
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.application);
                if (message.structure != null && $Object.hasOwnProperty.call(message, "structure") && message.structure !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).int32(message.structure);
                if (message.builtInsFirst != null && $Object.hasOwnProperty.call(message, "builtInsFirst") && message.builtInsFirst !== false)
                    writer.uint32(/* id 7, wireType 0 =*/56).bool(message.builtInsFirst);
                if (message.gated != null && message.gated.length)
                    for (let i = 0; i < message.gated.length; ++i)
                        writer.uint32(/* id 8, wireType 2 =*/66).string(message.gated[i]);
                if (message.snapshotVersion != null && $Object.hasOwnProperty.call(message, "snapshotVersion"))
                    writer.uint32(/* id 9, wireType 0 =*/72).uint32(message.snapshotVersion);
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                    writer.uint32(/* id 10, wireType 2 =*/82).string(message.reason);
                if (message.ringfenceJson != null && $Object.hasOwnProperty.call(message, "ringfenceJson"))
                    writer.uint32(/* id 11, wireType 2 =*/90).string(message.ringfenceJson);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Decision message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Decision
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Decision & tollgate.v1.Decision.$Shape} Decision
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Decision.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Decision();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.action = value;
                            else
                                delete message.action;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.policy = reader.stringVerify();
                            message._policy = "policy";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.policyName = reader.stringVerify();
                            message._policyName = "policyName";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            message.order = reader.sint32();
                            message._order = "order";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.application = reader.stringVerify();
                            message._application = "application";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.structure = value;
                            else
                                delete message.structure;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.builtInsFirst = value;
                            else
                                delete message.builtInsFirst;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            if (!(message.gated && message.gated.length))
                                message.gated = [];
                            message.gated.push(reader.stringVerify());
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            message.snapshotVersion = reader.uint32();
                            message._snapshotVersion = "snapshotVersion";
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reason = value;
                            else
                                delete message.reason;
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            message.ringfenceJson = reader.stringVerify();
                            message._ringfenceJson = "ringfenceJson";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Decision;
        })();

        v1.Suggestion = (function() {

            /**
             * Properties of a Suggestion.
             * @typedef {Object} tollgate.v1.Suggestion.$Properties
             * @property {tollgate.v1.ApprovalAction|null} [suggestion] Suggestion suggestion
             * @property {string|null} [policy] Suggestion policy
             * @property {string|null} [reason] Suggestion reason
             * @property {tollgate.v1.PermitTarget|null} [permitTarget] Suggestion permitTarget
             * @property {string|null} [instructions] Suggestion instructions
             * @property {Array.<string>|null} [escalationEmails] Suggestion escalationEmails
             * @property {Array.<string>|null} [warnings] Suggestion warnings
             * @property {string|null} [requestId] Suggestion requestId
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Suggestion.
             * @memberof tollgate.v1
             * @interface ISuggestion
             * @augments tollgate.v1.Suggestion.$Properties
             * @deprecated Use tollgate.v1.Suggestion.$Properties instead.
             */

            /**
             * Shape of a Suggestion.
             * @typedef {tollgate.v1.Suggestion.$Properties} tollgate.v1.Suggestion.$Shape
             */

            /**
             * Constructs a new Suggestion.
             * @memberof tollgate.v1
             * @classdesc Represents a Suggestion.
             * @constructor
             * @param {tollgate.v1.Suggestion.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Suggestion = function (properties) {
                this.escalationEmails = [];
                this.warnings = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Suggestion suggestion.
             * @member {tollgate.v1.ApprovalAction} suggestion
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.suggestion = 0;

            /**
             * Suggestion policy.
             * @member {string|null|undefined} policy
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.policy = null;

            /**
             * Suggestion reason.
             * @member {string} reason
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.reason = "";

            /**
             * Suggestion permitTarget.
             * @member {tollgate.v1.PermitTarget} permitTarget
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.permitTarget = 0;

            /**
             * Suggestion instructions.
             * @member {string} instructions
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.instructions = "";

            /**
             * Suggestion escalationEmails.
             * @member {Array.<string>} escalationEmails
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.escalationEmails = $util.emptyArray;

            /**
             * Suggestion warnings.
             * @member {Array.<string>} warnings
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.warnings = $util.emptyArray;

            /**
             * Suggestion requestId.
             * @member {string|null|undefined} requestId
             * @memberof tollgate.v1.Suggestion
             * @instance
             */
            Suggestion.prototype.requestId = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Suggestion.prototype, "_policy", {
                get: $util.oneOfGetter($oneOfFields = ["policy"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Suggestion.prototype, "_requestId", {
                get: $util.oneOfGetter($oneOfFields = ["requestId"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Suggestion instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Suggestion
             * @static
             * @param {tollgate.v1.Suggestion.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Suggestion} Suggestion instance
             * @type {{
             *   (properties: tollgate.v1.Suggestion.$Shape): tollgate.v1.Suggestion & tollgate.v1.Suggestion.$Shape;
             *   (properties?: tollgate.v1.Suggestion.$Properties): tollgate.v1.Suggestion;
             * }}
             */
            Suggestion.create = function(properties) {
                return new Suggestion(properties);
            };

            /**
             * Encodes the specified Suggestion message. Does not implicitly {@link tollgate.v1.Suggestion.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Suggestion
             * @static
             * @param {tollgate.v1.Suggestion.$Properties} message Suggestion message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Suggestion.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.suggestion != null && $Object.hasOwnProperty.call(message, "suggestion") && message.suggestion !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).int32(message.suggestion);
                if (message.policy != null && $Object.hasOwnProperty.call(message, "policy"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.policy);
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.reason);
                if (message.permitTarget != null && $Object.hasOwnProperty.call(message, "permitTarget") && message.permitTarget !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).int32(message.permitTarget);
                if (message.instructions != null && $Object.hasOwnProperty.call(message, "instructions") && message.instructions !== "")
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.instructions);
                if (message.escalationEmails != null && message.escalationEmails.length)
                    for (let i = 0; i < message.escalationEmails.length; ++i)
                        writer.uint32(/* id 6, wireType 2 =*/50).string(message.escalationEmails[i]);
                if (message.warnings != null && message.warnings.length)
                    for (let i = 0; i < message.warnings.length; ++i)
                        writer.uint32(/* id 7, wireType 2 =*/58).string(message.warnings[i]);
                if (message.requestId != null && $Object.hasOwnProperty.call(message, "requestId"))
                    writer.uint32(/* id 8, wireType 2 =*/66).string(message.requestId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Suggestion message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Suggestion
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Suggestion & tollgate.v1.Suggestion.$Shape} Suggestion
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Suggestion.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Suggestion();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.suggestion = value;
                            else
                                delete message.suggestion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.policy = reader.stringVerify();
                            message._policy = "policy";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reason = value;
                            else
                                delete message.reason;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.permitTarget = value;
                            else
                                delete message.permitTarget;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.instructions = value;
                            else
                                delete message.instructions;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            if (!(message.escalationEmails && message.escalationEmails.length))
                                message.escalationEmails = [];
                            message.escalationEmails.push(reader.stringVerify());
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if (!(message.warnings && message.warnings.length))
                                message.warnings = [];
                            message.warnings.push(reader.stringVerify());
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.requestId = reader.stringVerify();
                            message._requestId = "requestId";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Suggestion;
        })();

        v1.ActionCount = (function() {

            /**
             * Properties of an ActionCount.
             * @typedef {Object} tollgate.v1.ActionCount.$Properties
             * @property {string|null} [action] ActionCount action
             * @property {number|null} [count] ActionCount count
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ActionCount.
             * @memberof tollgate.v1
             * @interface IActionCount
             * @augments tollgate.v1.ActionCount.$Properties
             * @deprecated Use tollgate.v1.ActionCount.$Properties instead.
             */

            /**
             * Shape of an ActionCount.
             * @typedef {tollgate.v1.ActionCount.$Properties} tollgate.v1.ActionCount.$Shape
             */

            /**
             * Constructs a new ActionCount.
             * @memberof tollgate.v1
             * @classdesc Represents an ActionCount.
             * @constructor
             * @param {tollgate.v1.ActionCount.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ActionCount = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ActionCount action.
             * @member {string} action
             * @memberof tollgate.v1.ActionCount
             * @instance
             */
            ActionCount.prototype.action = "";

            /**
             * ActionCount count.
             * @member {number} count
             * @memberof tollgate.v1.ActionCount
             * @instance
             */
            ActionCount.prototype.count = 0;

            /**
             * Creates a new ActionCount instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.ActionCount
             * @static
             * @param {tollgate.v1.ActionCount.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.ActionCount} ActionCount instance
             * @type {{
             *   (properties: tollgate.v1.ActionCount.$Shape): tollgate.v1.ActionCount & tollgate.v1.ActionCount.$Shape;
             *   (properties?: tollgate.v1.ActionCount.$Properties): tollgate.v1.ActionCount;
             * }}
             */
            ActionCount.create = function(properties) {
                return new ActionCount(properties);
            };

            /**
             * Encodes the specified ActionCount message. Does not implicitly {@link tollgate.v1.ActionCount.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.ActionCount
             * @static
             * @param {tollgate.v1.ActionCount.$Properties} message ActionCount message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ActionCount.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.action != null && $Object.hasOwnProperty.call(message, "action") && message.action !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.action);
                if (message.count != null && $Object.hasOwnProperty.call(message, "count") && !$Object.is(message.count, 0))
                    writer.uint32(/* id 2, wireType 1 =*/17).double(message.count);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an ActionCount message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.ActionCount
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.ActionCount & tollgate.v1.ActionCount.$Shape} ActionCount
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ActionCount.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.ActionCount();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.action = value;
                            else
                                delete message.action;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.count = value;
                            else
                                delete message.count;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ActionCount;
        })();

        v1.Status = (function() {

            /**
             * Properties of a Status.
             * @typedef {Object} tollgate.v1.Status.$Properties
             * @property {string|null} [computerId] Status computerId
             * @property {string|null} [agentVersion] Status agentVersion
             * @property {tollgate.v1.Os|null} [os] Status os
             * @property {number|null} [snapshotVersion] Status snapshotVersion
             * @property {number|null} [snapshotIssuedAtMs] Status snapshotIssuedAtMs
             * @property {number|null} [snapshotAppliedAtMs] Status snapshotAppliedAtMs
             * @property {tollgate.v1.Structure|null} [orgStructure] Status orgStructure
             * @property {tollgate.v1.Structure|null} [structure] Status structure
             * @property {boolean|null} [builtInsFirst] Status builtInsFirst
             * @property {Array.<string>|null} [gated] Status gated
             * @property {Array.<tollgate.v1.Setting.$Properties>|null} [settings] Status settings
             * @property {number|null} [settingsVersion] Status settingsVersion
             * @property {number|null} [policyCount] Status policyCount
             * @property {Array.<tollgate.v1.ActionCount.$Properties>|null} [decisions] Status decisions
             * @property {number|null} [latencyP50Us] Status latencyP50Us
             * @property {number|null} [latencyP99Us] Status latencyP99Us
             * @property {number|null} [outboxDepth] Status outboxDepth
             * @property {number|null} [uptimeMs] Status uptimeMs
             * @property {string|null} [syncState] Status syncState
             * @property {string|null} [serverUrl] Status serverUrl
             * @property {string|null} [tollgateVersion] Status tollgateVersion
             * @property {number|null} [lastSyncAtMs] Status lastSyncAtMs
             * @property {number|null} [syncDownSinceMs] Status syncDownSinceMs
             * @property {string|null} [metricsAddress] Status metricsAddress
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Status.
             * @memberof tollgate.v1
             * @interface IStatus
             * @augments tollgate.v1.Status.$Properties
             * @deprecated Use tollgate.v1.Status.$Properties instead.
             */

            /**
             * Shape of a Status.
             * @typedef {{
             *   computerId?: string|null;
             *   agentVersion?: string|null;
             *   os?: tollgate.v1.Os|null;
             *   snapshotVersion?: number|null;
             *   snapshotIssuedAtMs?: number|null;
             *   snapshotAppliedAtMs?: number|null;
             *   orgStructure?: tollgate.v1.Structure|null;
             *   structure?: tollgate.v1.Structure|null;
             *   builtInsFirst?: boolean|null;
             *   gated?: Array.<string>|null;
             *   settings?: Array.<tollgate.v1.Setting.$Shape>|null;
             *   settingsVersion?: number|null;
             *   policyCount?: number|null;
             *   decisions?: Array.<tollgate.v1.ActionCount.$Shape>|null;
             *   latencyP50Us?: number|null;
             *   latencyP99Us?: number|null;
             *   outboxDepth?: number|null;
             *   uptimeMs?: number|null;
             *   syncState?: string|null;
             *   serverUrl?: string|null;
             *   tollgateVersion?: string|null;
             *   lastSyncAtMs?: number|null;
             *   syncDownSinceMs?: number|null;
             *   metricsAddress?: string|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} tollgate.v1.Status.$Shape
             */

            /**
             * Constructs a new Status.
             * @memberof tollgate.v1
             * @classdesc Represents a Status.
             * @constructor
             * @param {tollgate.v1.Status.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Status = function (properties) {
                this.gated = [];
                this.settings = [];
                this.decisions = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Status computerId.
             * @member {string} computerId
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.computerId = "";

            /**
             * Status agentVersion.
             * @member {string} agentVersion
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.agentVersion = "";

            /**
             * Status os.
             * @member {tollgate.v1.Os} os
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.os = 0;

            /**
             * Status snapshotVersion.
             * @member {number|null|undefined} snapshotVersion
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.snapshotVersion = null;

            /**
             * Status snapshotIssuedAtMs.
             * @member {number|null|undefined} snapshotIssuedAtMs
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.snapshotIssuedAtMs = null;

            /**
             * Status snapshotAppliedAtMs.
             * @member {number|null|undefined} snapshotAppliedAtMs
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.snapshotAppliedAtMs = null;

            /**
             * Status orgStructure.
             * @member {tollgate.v1.Structure|null|undefined} orgStructure
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.orgStructure = null;

            /**
             * Status structure.
             * @member {tollgate.v1.Structure} structure
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.structure = 0;

            /**
             * Status builtInsFirst.
             * @member {boolean} builtInsFirst
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.builtInsFirst = false;

            /**
             * Status gated.
             * @member {Array.<string>} gated
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.gated = $util.emptyArray;

            /**
             * Status settings.
             * @member {Array.<tollgate.v1.Setting.$Properties>} settings
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.settings = $util.emptyArray;

            /**
             * Status settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.settingsVersion = 0;

            /**
             * Status policyCount.
             * @member {number} policyCount
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.policyCount = 0;

            /**
             * Status decisions.
             * @member {Array.<tollgate.v1.ActionCount.$Properties>} decisions
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.decisions = $util.emptyArray;

            /**
             * Status latencyP50Us.
             * @member {number} latencyP50Us
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.latencyP50Us = 0;

            /**
             * Status latencyP99Us.
             * @member {number} latencyP99Us
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.latencyP99Us = 0;

            /**
             * Status outboxDepth.
             * @member {number} outboxDepth
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.outboxDepth = 0;

            /**
             * Status uptimeMs.
             * @member {number} uptimeMs
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.uptimeMs = 0;

            /**
             * Status syncState.
             * @member {string} syncState
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.syncState = "";

            /**
             * Status serverUrl.
             * @member {string|null|undefined} serverUrl
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.serverUrl = null;

            /**
             * Status tollgateVersion.
             * @member {string} tollgateVersion
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.tollgateVersion = "";

            /**
             * Status lastSyncAtMs.
             * @member {number|null|undefined} lastSyncAtMs
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.lastSyncAtMs = null;

            /**
             * Status syncDownSinceMs.
             * @member {number|null|undefined} syncDownSinceMs
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.syncDownSinceMs = null;

            /**
             * Status metricsAddress.
             * @member {string|null|undefined} metricsAddress
             * @memberof tollgate.v1.Status
             * @instance
             */
            Status.prototype.metricsAddress = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_snapshotVersion", {
                get: $util.oneOfGetter($oneOfFields = ["snapshotVersion"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_snapshotIssuedAtMs", {
                get: $util.oneOfGetter($oneOfFields = ["snapshotIssuedAtMs"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_snapshotAppliedAtMs", {
                get: $util.oneOfGetter($oneOfFields = ["snapshotAppliedAtMs"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_orgStructure", {
                get: $util.oneOfGetter($oneOfFields = ["orgStructure"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_serverUrl", {
                get: $util.oneOfGetter($oneOfFields = ["serverUrl"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_lastSyncAtMs", {
                get: $util.oneOfGetter($oneOfFields = ["lastSyncAtMs"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_syncDownSinceMs", {
                get: $util.oneOfGetter($oneOfFields = ["syncDownSinceMs"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(Status.prototype, "_metricsAddress", {
                get: $util.oneOfGetter($oneOfFields = ["metricsAddress"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Status instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Status
             * @static
             * @param {tollgate.v1.Status.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Status} Status instance
             * @type {{
             *   (properties: tollgate.v1.Status.$Shape): tollgate.v1.Status & tollgate.v1.Status.$Shape;
             *   (properties?: tollgate.v1.Status.$Properties): tollgate.v1.Status;
             * }}
             */
            Status.create = function(properties) {
                return new Status(properties);
            };

            /**
             * Encodes the specified Status message. Does not implicitly {@link tollgate.v1.Status.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Status
             * @static
             * @param {tollgate.v1.Status.$Properties} message Status message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Status.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.computerId != null && $Object.hasOwnProperty.call(message, "computerId") && message.computerId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.computerId);
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.agentVersion);
                if (message.os != null && $Object.hasOwnProperty.call(message, "os") && message.os !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).int32(message.os);
                if (message.snapshotVersion != null && $Object.hasOwnProperty.call(message, "snapshotVersion"))
                    writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.snapshotVersion);
                if (message.snapshotIssuedAtMs != null && $Object.hasOwnProperty.call(message, "snapshotIssuedAtMs"))
                    writer.uint32(/* id 5, wireType 1 =*/41).double(message.snapshotIssuedAtMs);
                if (message.snapshotAppliedAtMs != null && $Object.hasOwnProperty.call(message, "snapshotAppliedAtMs"))
                    writer.uint32(/* id 6, wireType 1 =*/49).double(message.snapshotAppliedAtMs);
                if (message.orgStructure != null && $Object.hasOwnProperty.call(message, "orgStructure"))
                    writer.uint32(/* id 7, wireType 0 =*/56).int32(message.orgStructure);
                if (message.structure != null && $Object.hasOwnProperty.call(message, "structure") && message.structure !== 0)
                    writer.uint32(/* id 8, wireType 0 =*/64).int32(message.structure);
                if (message.builtInsFirst != null && $Object.hasOwnProperty.call(message, "builtInsFirst") && message.builtInsFirst !== false)
                    writer.uint32(/* id 9, wireType 0 =*/72).bool(message.builtInsFirst);
                if (message.gated != null && message.gated.length)
                    for (let i = 0; i < message.gated.length; ++i)
                        writer.uint32(/* id 10, wireType 2 =*/82).string(message.gated[i]);
                if (message.settings != null && message.settings.length)
                    for (let i = 0; i < message.settings.length; ++i)
                        $root.tollgate.v1.Setting.encode(message.settings[i], writer.uint32(/* id 11, wireType 2 =*/90).fork(), _depth + 1).ldelim();
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 12, wireType 0 =*/96).uint32(message.settingsVersion);
                if (message.policyCount != null && $Object.hasOwnProperty.call(message, "policyCount") && message.policyCount !== 0)
                    writer.uint32(/* id 13, wireType 0 =*/104).uint32(message.policyCount);
                if (message.decisions != null && message.decisions.length)
                    for (let i = 0; i < message.decisions.length; ++i)
                        $root.tollgate.v1.ActionCount.encode(message.decisions[i], writer.uint32(/* id 14, wireType 2 =*/114).fork(), _depth + 1).ldelim();
                if (message.latencyP50Us != null && $Object.hasOwnProperty.call(message, "latencyP50Us") && !$Object.is(message.latencyP50Us, 0))
                    writer.uint32(/* id 15, wireType 1 =*/121).double(message.latencyP50Us);
                if (message.latencyP99Us != null && $Object.hasOwnProperty.call(message, "latencyP99Us") && !$Object.is(message.latencyP99Us, 0))
                    writer.uint32(/* id 16, wireType 1 =*/129).double(message.latencyP99Us);
                if (message.outboxDepth != null && $Object.hasOwnProperty.call(message, "outboxDepth") && message.outboxDepth !== 0)
                    writer.uint32(/* id 17, wireType 0 =*/136).uint32(message.outboxDepth);
                if (message.uptimeMs != null && $Object.hasOwnProperty.call(message, "uptimeMs") && !$Object.is(message.uptimeMs, 0))
                    writer.uint32(/* id 18, wireType 1 =*/145).double(message.uptimeMs);
                if (message.syncState != null && $Object.hasOwnProperty.call(message, "syncState") && message.syncState !== "")
                    writer.uint32(/* id 19, wireType 2 =*/154).string(message.syncState);
                if (message.serverUrl != null && $Object.hasOwnProperty.call(message, "serverUrl"))
                    writer.uint32(/* id 20, wireType 2 =*/162).string(message.serverUrl);
                if (message.tollgateVersion != null && $Object.hasOwnProperty.call(message, "tollgateVersion") && message.tollgateVersion !== "")
                    writer.uint32(/* id 21, wireType 2 =*/170).string(message.tollgateVersion);
                if (message.lastSyncAtMs != null && $Object.hasOwnProperty.call(message, "lastSyncAtMs"))
                    writer.uint32(/* id 22, wireType 1 =*/177).double(message.lastSyncAtMs);
                if (message.syncDownSinceMs != null && $Object.hasOwnProperty.call(message, "syncDownSinceMs"))
                    writer.uint32(/* id 23, wireType 1 =*/185).double(message.syncDownSinceMs);
                if (message.metricsAddress != null && $Object.hasOwnProperty.call(message, "metricsAddress"))
                    writer.uint32(/* id 24, wireType 2 =*/194).string(message.metricsAddress);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Status message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Status
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Status & tollgate.v1.Status.$Shape} Status
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Status.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Status();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.computerId = value;
                            else
                                delete message.computerId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.agentVersion = value;
                            else
                                delete message.agentVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.os = value;
                            else
                                delete message.os;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            message.snapshotVersion = reader.uint32();
                            message._snapshotVersion = "snapshotVersion";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 1)
                                break;
                            message.snapshotIssuedAtMs = reader.double();
                            message._snapshotIssuedAtMs = "snapshotIssuedAtMs";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 1)
                                break;
                            message.snapshotAppliedAtMs = reader.double();
                            message._snapshotAppliedAtMs = "snapshotAppliedAtMs";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            message.orgStructure = reader.int32();
                            message._orgStructure = "orgStructure";
                            continue;
                        }
                    case 8: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.structure = value;
                            else
                                delete message.structure;
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.builtInsFirst = value;
                            else
                                delete message.builtInsFirst;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            if (!(message.gated && message.gated.length))
                                message.gated = [];
                            message.gated.push(reader.stringVerify());
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            if (!(message.settings && message.settings.length))
                                message.settings = [];
                            message.settings.push($root.tollgate.v1.Setting.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 12: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    case 13: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.policyCount = value;
                            else
                                delete message.policyCount;
                            continue;
                        }
                    case 14: {
                            if (wireType !== 2)
                                break;
                            if (!(message.decisions && message.decisions.length))
                                message.decisions = [];
                            message.decisions.push($root.tollgate.v1.ActionCount.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 15: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.latencyP50Us = value;
                            else
                                delete message.latencyP50Us;
                            continue;
                        }
                    case 16: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.latencyP99Us = value;
                            else
                                delete message.latencyP99Us;
                            continue;
                        }
                    case 17: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.outboxDepth = value;
                            else
                                delete message.outboxDepth;
                            continue;
                        }
                    case 18: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.uptimeMs = value;
                            else
                                delete message.uptimeMs;
                            continue;
                        }
                    case 19: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.syncState = value;
                            else
                                delete message.syncState;
                            continue;
                        }
                    case 20: {
                            if (wireType !== 2)
                                break;
                            message.serverUrl = reader.stringVerify();
                            message._serverUrl = "serverUrl";
                            continue;
                        }
                    case 21: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.tollgateVersion = value;
                            else
                                delete message.tollgateVersion;
                            continue;
                        }
                    case 22: {
                            if (wireType !== 1)
                                break;
                            message.lastSyncAtMs = reader.double();
                            message._lastSyncAtMs = "lastSyncAtMs";
                            continue;
                        }
                    case 23: {
                            if (wireType !== 1)
                                break;
                            message.syncDownSinceMs = reader.double();
                            message._syncDownSinceMs = "syncDownSinceMs";
                            continue;
                        }
                    case 24: {
                            if (wireType !== 2)
                                break;
                            message.metricsAddress = reader.stringVerify();
                            message._metricsAddress = "metricsAddress";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Status;
        })();

        v1.DecisionLogEntry = (function() {

            /**
             * Properties of a DecisionLogEntry.
             * @typedef {Object} tollgate.v1.DecisionLogEntry.$Properties
             * @property {number|null} [atMs] DecisionLogEntry atMs
             * @property {tollgate.v1.FileInfo.$Properties|null} [file] DecisionLogEntry file
             * @property {tollgate.v1.Decision.$Properties|null} [decision] DecisionLogEntry decision
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a DecisionLogEntry.
             * @memberof tollgate.v1
             * @interface IDecisionLogEntry
             * @augments tollgate.v1.DecisionLogEntry.$Properties
             * @deprecated Use tollgate.v1.DecisionLogEntry.$Properties instead.
             */

            /**
             * Shape of a DecisionLogEntry.
             * @typedef {tollgate.v1.DecisionLogEntry.$Properties} tollgate.v1.DecisionLogEntry.$Shape
             */

            /**
             * Constructs a new DecisionLogEntry.
             * @memberof tollgate.v1
             * @classdesc Represents a DecisionLogEntry.
             * @constructor
             * @param {tollgate.v1.DecisionLogEntry.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const DecisionLogEntry = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * DecisionLogEntry atMs.
             * @member {number} atMs
             * @memberof tollgate.v1.DecisionLogEntry
             * @instance
             */
            DecisionLogEntry.prototype.atMs = 0;

            /**
             * DecisionLogEntry file.
             * @member {tollgate.v1.FileInfo.$Properties|null|undefined} file
             * @memberof tollgate.v1.DecisionLogEntry
             * @instance
             */
            DecisionLogEntry.prototype.file = null;

            /**
             * DecisionLogEntry decision.
             * @member {tollgate.v1.Decision.$Properties|null|undefined} decision
             * @memberof tollgate.v1.DecisionLogEntry
             * @instance
             */
            DecisionLogEntry.prototype.decision = null;

            /**
             * Creates a new DecisionLogEntry instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.DecisionLogEntry
             * @static
             * @param {tollgate.v1.DecisionLogEntry.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.DecisionLogEntry} DecisionLogEntry instance
             * @type {{
             *   (properties: tollgate.v1.DecisionLogEntry.$Shape): tollgate.v1.DecisionLogEntry & tollgate.v1.DecisionLogEntry.$Shape;
             *   (properties?: tollgate.v1.DecisionLogEntry.$Properties): tollgate.v1.DecisionLogEntry;
             * }}
             */
            DecisionLogEntry.create = function(properties) {
                return new DecisionLogEntry(properties);
            };

            /**
             * Encodes the specified DecisionLogEntry message. Does not implicitly {@link tollgate.v1.DecisionLogEntry.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.DecisionLogEntry
             * @static
             * @param {tollgate.v1.DecisionLogEntry.$Properties} message DecisionLogEntry message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DecisionLogEntry.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && !$Object.is(message.atMs, 0))
                    writer.uint32(/* id 1, wireType 1 =*/9).double(message.atMs);
                if (message.file != null && $Object.hasOwnProperty.call(message, "file"))
                    $root.tollgate.v1.FileInfo.encode(message.file, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.decision != null && $Object.hasOwnProperty.call(message, "decision"))
                    $root.tollgate.v1.Decision.encode(message.decision, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a DecisionLogEntry message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.DecisionLogEntry
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.DecisionLogEntry & tollgate.v1.DecisionLogEntry.$Shape} DecisionLogEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DecisionLogEntry.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.DecisionLogEntry();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.file = $root.tollgate.v1.FileInfo.decode(reader, reader.size(), $undefined, _depth + 1, message.file);
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.decision = $root.tollgate.v1.Decision.decode(reader, reader.size(), $undefined, _depth + 1, message.decision);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return DecisionLogEntry;
        })();

        v1.DecisionLog = (function() {

            /**
             * Properties of a DecisionLog.
             * @typedef {Object} tollgate.v1.DecisionLog.$Properties
             * @property {string|null} [computerId] DecisionLog computerId
             * @property {Array.<tollgate.v1.DecisionLogEntry.$Properties>|null} [entries] DecisionLog entries
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a DecisionLog.
             * @memberof tollgate.v1
             * @interface IDecisionLog
             * @augments tollgate.v1.DecisionLog.$Properties
             * @deprecated Use tollgate.v1.DecisionLog.$Properties instead.
             */

            /**
             * Shape of a DecisionLog.
             * @typedef {tollgate.v1.DecisionLog.$Properties} tollgate.v1.DecisionLog.$Shape
             */

            /**
             * Constructs a new DecisionLog.
             * @memberof tollgate.v1
             * @classdesc Represents a DecisionLog.
             * @constructor
             * @param {tollgate.v1.DecisionLog.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const DecisionLog = function (properties) {
                this.entries = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * DecisionLog computerId.
             * @member {string} computerId
             * @memberof tollgate.v1.DecisionLog
             * @instance
             */
            DecisionLog.prototype.computerId = "";

            /**
             * DecisionLog entries.
             * @member {Array.<tollgate.v1.DecisionLogEntry.$Properties>} entries
             * @memberof tollgate.v1.DecisionLog
             * @instance
             */
            DecisionLog.prototype.entries = $util.emptyArray;

            /**
             * Creates a new DecisionLog instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.DecisionLog
             * @static
             * @param {tollgate.v1.DecisionLog.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.DecisionLog} DecisionLog instance
             * @type {{
             *   (properties: tollgate.v1.DecisionLog.$Shape): tollgate.v1.DecisionLog & tollgate.v1.DecisionLog.$Shape;
             *   (properties?: tollgate.v1.DecisionLog.$Properties): tollgate.v1.DecisionLog;
             * }}
             */
            DecisionLog.create = function(properties) {
                return new DecisionLog(properties);
            };

            /**
             * Encodes the specified DecisionLog message. Does not implicitly {@link tollgate.v1.DecisionLog.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.DecisionLog
             * @static
             * @param {tollgate.v1.DecisionLog.$Properties} message DecisionLog message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            DecisionLog.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.computerId != null && $Object.hasOwnProperty.call(message, "computerId") && message.computerId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.computerId);
                if (message.entries != null && message.entries.length)
                    for (let i = 0; i < message.entries.length; ++i)
                        $root.tollgate.v1.DecisionLogEntry.encode(message.entries[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a DecisionLog message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.DecisionLog
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.DecisionLog & tollgate.v1.DecisionLog.$Shape} DecisionLog
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            DecisionLog.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.DecisionLog();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.computerId = value;
                            else
                                delete message.computerId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if (!(message.entries && message.entries.length))
                                message.entries = [];
                            message.entries.push($root.tollgate.v1.DecisionLogEntry.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return DecisionLog;
        })();

        v1.Error = (function() {

            /**
             * Properties of an Error.
             * @typedef {Object} tollgate.v1.Error.$Properties
             * @property {string|null} [code] Error code
             * @property {string|null} [message] Error message
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Error.
             * @memberof tollgate.v1
             * @interface IError
             * @augments tollgate.v1.Error.$Properties
             * @deprecated Use tollgate.v1.Error.$Properties instead.
             */

            /**
             * Shape of an Error.
             * @typedef {tollgate.v1.Error.$Properties} tollgate.v1.Error.$Shape
             */

            /**
             * Constructs a new Error.
             * @memberof tollgate.v1
             * @classdesc Represents an Error.
             * @constructor
             * @param {tollgate.v1.Error.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Error = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Error code.
             * @member {string} code
             * @memberof tollgate.v1.Error
             * @instance
             */
            Error.prototype.code = "";

            /**
             * Error message.
             * @member {string} message
             * @memberof tollgate.v1.Error
             * @instance
             */
            Error.prototype.message = "";

            /**
             * Creates a new Error instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Error
             * @static
             * @param {tollgate.v1.Error.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Error} Error instance
             * @type {{
             *   (properties: tollgate.v1.Error.$Shape): tollgate.v1.Error & tollgate.v1.Error.$Shape;
             *   (properties?: tollgate.v1.Error.$Properties): tollgate.v1.Error;
             * }}
             */
            Error.create = function(properties) {
                return new Error(properties);
            };

            /**
             * Encodes the specified Error message. Does not implicitly {@link tollgate.v1.Error.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Error
             * @static
             * @param {tollgate.v1.Error.$Properties} message Error message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Error.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.code != null && $Object.hasOwnProperty.call(message, "code") && message.code !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.code);
                if (message.message != null && $Object.hasOwnProperty.call(message, "message") && message.message !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.message);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Error
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Error & tollgate.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Error.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Error();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.code = value;
                            else
                                delete message.code;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.message = value;
                            else
                                delete message.message;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Error;
        })();

        v1.Applied = (function() {

            /**
             * Properties of an Applied.
             * @typedef {Object} tollgate.v1.Applied.$Properties
             * @property {number|null} [snapshotVersion] Applied snapshotVersion
             * @property {number|null} [settingsVersion] Applied settingsVersion
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Applied.
             * @memberof tollgate.v1
             * @interface IApplied
             * @augments tollgate.v1.Applied.$Properties
             * @deprecated Use tollgate.v1.Applied.$Properties instead.
             */

            /**
             * Shape of an Applied.
             * @typedef {tollgate.v1.Applied.$Properties} tollgate.v1.Applied.$Shape
             */

            /**
             * Constructs a new Applied.
             * @memberof tollgate.v1
             * @classdesc Represents an Applied.
             * @constructor
             * @param {tollgate.v1.Applied.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Applied = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Applied snapshotVersion.
             * @member {number} snapshotVersion
             * @memberof tollgate.v1.Applied
             * @instance
             */
            Applied.prototype.snapshotVersion = 0;

            /**
             * Applied settingsVersion.
             * @member {number} settingsVersion
             * @memberof tollgate.v1.Applied
             * @instance
             */
            Applied.prototype.settingsVersion = 0;

            /**
             * Creates a new Applied instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Applied
             * @static
             * @param {tollgate.v1.Applied.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Applied} Applied instance
             * @type {{
             *   (properties: tollgate.v1.Applied.$Shape): tollgate.v1.Applied & tollgate.v1.Applied.$Shape;
             *   (properties?: tollgate.v1.Applied.$Properties): tollgate.v1.Applied;
             * }}
             */
            Applied.create = function(properties) {
                return new Applied(properties);
            };

            /**
             * Encodes the specified Applied message. Does not implicitly {@link tollgate.v1.Applied.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Applied
             * @static
             * @param {tollgate.v1.Applied.$Properties} message Applied message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Applied.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.snapshotVersion != null && $Object.hasOwnProperty.call(message, "snapshotVersion") && message.snapshotVersion !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.snapshotVersion);
                if (message.settingsVersion != null && $Object.hasOwnProperty.call(message, "settingsVersion") && message.settingsVersion !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.settingsVersion);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Applied message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Applied
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Applied & tollgate.v1.Applied.$Shape} Applied
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Applied.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Applied();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.snapshotVersion = value;
                            else
                                delete message.snapshotVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.settingsVersion = value;
                            else
                                delete message.settingsVersion;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Applied;
        })();

        v1.Response = (function() {

            /**
             * Properties of a Response.
             * @typedef {Object} tollgate.v1.Response.$Properties
             * @property {number|null} [id] Response id
             * @property {tollgate.v1.Decision.$Properties|null} [decision] Response decision
             * @property {tollgate.v1.Suggestion.$Properties|null} [suggestion] Response suggestion
             * @property {tollgate.v1.Status.$Properties|null} [status] Response status
             * @property {tollgate.v1.Error.$Properties|null} [error] Response error
             * @property {tollgate.v1.DecisionLog.$Properties|null} [decisions] Response decisions
             * @property {tollgate.v1.Applied.$Properties|null} [applied] Response applied
             * @property {"decision"|"suggestion"|"status"|"error"|"decisions"|"applied"} [body] Response body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Response.
             * @memberof tollgate.v1
             * @interface IResponse
             * @augments tollgate.v1.Response.$Properties
             * @deprecated Use tollgate.v1.Response.$Properties instead.
             */

            /**
             * Narrowed shape of a Response.
             * @typedef {{
             *   id?: number|null;
             *   decision?: tollgate.v1.Decision.$Shape|null;
             *   suggestion?: tollgate.v1.Suggestion.$Shape|null;
             *   status?: tollgate.v1.Status.$Shape|null;
             *   error?: tollgate.v1.Error.$Shape|null;
             *   decisions?: tollgate.v1.DecisionLog.$Shape|null;
             *   applied?: tollgate.v1.Applied.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; decision?: null; suggestion?: null; status?: null; error?: null; decisions?: null; applied?: null }|{ body?: "decision"; decision: tollgate.v1.Decision.$Shape; suggestion?: null; status?: null; error?: null; decisions?: null; applied?: null }|{ body?: "suggestion"; decision?: null; suggestion: tollgate.v1.Suggestion.$Shape; status?: null; error?: null; decisions?: null; applied?: null }|{ body?: "status"; decision?: null; suggestion?: null; status: tollgate.v1.Status.$Shape; error?: null; decisions?: null; applied?: null }|{ body?: "error"; decision?: null; suggestion?: null; status?: null; error: tollgate.v1.Error.$Shape; decisions?: null; applied?: null }|{ body?: "decisions"; decision?: null; suggestion?: null; status?: null; error?: null; decisions: tollgate.v1.DecisionLog.$Shape; applied?: null }|{ body?: "applied"; decision?: null; suggestion?: null; status?: null; error?: null; decisions?: null; applied: tollgate.v1.Applied.$Shape })
             * )} tollgate.v1.Response.$Shape
             */

            /**
             * Constructs a new Response.
             * @memberof tollgate.v1
             * @classdesc Represents a Response.
             * @constructor
             * @param {tollgate.v1.Response.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Response = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Response id.
             * @member {number} id
             * @memberof tollgate.v1.Response
             * @instance
             */
            Response.prototype.id = 0;

            /**
             * Response decision.
             * @member {tollgate.v1.Decision.$Properties|null|undefined} decision
             * @memberof tollgate.v1.Response
             * @instance
             */
            Response.prototype.decision = null;

            /**
             * Response suggestion.
             * @member {tollgate.v1.Suggestion.$Properties|null|undefined} suggestion
             * @memberof tollgate.v1.Response
             * @instance
             */
            Response.prototype.suggestion = null;

            /**
             * Response status.
             * @member {tollgate.v1.Status.$Properties|null|undefined} status
             * @memberof tollgate.v1.Response
             * @instance
             */
            Response.prototype.status = null;

            /**
             * Response error.
             * @member {tollgate.v1.Error.$Properties|null|undefined} error
             * @memberof tollgate.v1.Response
             * @instance
             */
            Response.prototype.error = null;

            /**
             * Response decisions.
             * @member {tollgate.v1.DecisionLog.$Properties|null|undefined} decisions
             * @memberof tollgate.v1.Response
             * @instance
             */
            Response.prototype.decisions = null;

            /**
             * Response applied.
             * @member {tollgate.v1.Applied.$Properties|null|undefined} applied
             * @memberof tollgate.v1.Response
             * @instance
             */
            Response.prototype.applied = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Response body.
             * @member {"decision"|"suggestion"|"status"|"error"|"decisions"|"applied"|undefined} body
             * @memberof tollgate.v1.Response
             * @instance
             */
            $Object.defineProperty(Response.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["decision", "suggestion", "status", "error", "decisions", "applied"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Response instance using the specified properties.
             * @function create
             * @memberof tollgate.v1.Response
             * @static
             * @param {tollgate.v1.Response.$Properties=} [properties] Properties to set
             * @returns {tollgate.v1.Response} Response instance
             * @type {{
             *   (properties: tollgate.v1.Response.$Shape): tollgate.v1.Response & tollgate.v1.Response.$Shape;
             *   (properties?: tollgate.v1.Response.$Properties): tollgate.v1.Response;
             * }}
             */
            Response.create = function(properties) {
                return new Response(properties);
            };

            /**
             * Encodes the specified Response message. Does not implicitly {@link tollgate.v1.Response.verify|verify} messages.
             * @function encode
             * @memberof tollgate.v1.Response
             * @static
             * @param {tollgate.v1.Response.$Properties} message Response message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Response.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.id);
                if (message.decision != null && $Object.hasOwnProperty.call(message, "decision"))
                    $root.tollgate.v1.Decision.encode(message.decision, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.suggestion != null && $Object.hasOwnProperty.call(message, "suggestion"))
                    $root.tollgate.v1.Suggestion.encode(message.suggestion, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    $root.tollgate.v1.Status.encode(message.status, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                    $root.tollgate.v1.Error.encode(message.error, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.decisions != null && $Object.hasOwnProperty.call(message, "decisions"))
                    $root.tollgate.v1.DecisionLog.encode(message.decisions, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.applied != null && $Object.hasOwnProperty.call(message, "applied"))
                    $root.tollgate.v1.Applied.encode(message.applied, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Response message from the specified reader or buffer.
             * @function decode
             * @memberof tollgate.v1.Response
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {tollgate.v1.Response & tollgate.v1.Response.$Shape} Response
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Response.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.tollgate.v1.Response();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.decision = $root.tollgate.v1.Decision.decode(reader, reader.size(), $undefined, _depth + 1, message.decision);
                            message.body = "decision";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.suggestion = $root.tollgate.v1.Suggestion.decode(reader, reader.size(), $undefined, _depth + 1, message.suggestion);
                            message.body = "suggestion";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.status = $root.tollgate.v1.Status.decode(reader, reader.size(), $undefined, _depth + 1, message.status);
                            message.body = "status";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.error = $root.tollgate.v1.Error.decode(reader, reader.size(), $undefined, _depth + 1, message.error);
                            message.body = "error";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.decisions = $root.tollgate.v1.DecisionLog.decode(reader, reader.size(), $undefined, _depth + 1, message.decisions);
                            message.body = "decisions";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.applied = $root.tollgate.v1.Applied.decode(reader, reader.size(), $undefined, _depth + 1, message.applied);
                            message.body = "applied";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Response;
        })();

        return v1;
    })();

    return tollgate;
})();

export {
  $root as default
};
